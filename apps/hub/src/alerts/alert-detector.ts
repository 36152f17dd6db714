import type { SuggestedExclusion } from '@fleettune/api-contract';
import { UsernameGeneralizer, baseName, hasControlChars, parentDir } from '@fleettune/paths';
import { DEFAULT_RECOMMENDATION_CONFIG, ExclusionSafetyPolicy, PerHostNameScrubber, RecommendationConfig, UserScopeClassifier } from '@fleettune/rules';

/**
 * Finds subjects (programs, paths, directories) that are noisy now, and
 * decides which of them are *newly* noisy against their own fleet-wide
 * baseline. Pure: the hub's SQL feeds it rows already binned into evaluation
 * windows counted back from "now" (bin 0 is [now - window, now)).
 */

export interface ExecNoiseRow {
  hostId: string;
  path: string;
  parentPath: string;
  user: string;
  /** Evaluation window index counted back from now; 0 is the latest. */
  bin: number;
  count: number;
  firstStartMs: number;
  lastEndMs: number;
}

export interface FileNoiseRow {
  hostId: string;
  path: string;
  bin: number;
  count: number;
  firstStartMs: number;
  lastEndMs: number;
}

export type AlertKind = 'exec' | 'parent' | 'path' | 'directory';
/** Dedupe group: an exec alert and a parent alert about the same program are one subject. */
export type SubjectGroup = 'process' | 'path' | 'directory';

export interface DetectorConfig {
  windowMinutes: number;
  pathWindowThreshold: number;
  execPerSecondThreshold: number;
  logWindowThreshold: number;
  logFileSuffixes: string[];
  maxParentDepth: number;
  systemUsers: string[];
  systemUidMax: number;
  /** Bins 0..recentBins-1 are "now"; the rest are the baseline. */
  recentBins: number;
  jumpFactor: number;
}

export function detectorConfig(
  o: { recentBins: number; jumpFactor: number },
  rules: Readonly<RecommendationConfig> = DEFAULT_RECOMMENDATION_CONFIG,
): DetectorConfig {
  return {
    windowMinutes: rules.windowMinutes,
    pathWindowThreshold: rules.pathWindowThreshold,
    execPerSecondThreshold: rules.execPerSecondThreshold,
    logWindowThreshold: rules.logWindowThreshold,
    logFileSuffixes: [...rules.logFileSuffixes],
    maxParentDepth: rules.maxParentDepth,
    systemUsers: [...rules.systemUsers],
    systemUidMax: rules.systemUidMax,
    recentBins: o.recentBins,
    jumpFactor: o.jumpFactor,
  };
}

export type { SuggestedExclusion };

export interface NoisySubject {
  group: SubjectGroup;
  kind: AlertKind;
  subject: string;
  /** Count per host and window at which the subject is a candidate. */
  threshold: number;
  /** Largest count of one host in one recent window. */
  recentPeak: number;
  /** Largest count of one host in one baseline window (0: absent). */
  baselinePeak: number;
  ratePerSecond: number;
  /** Hosts over threshold in the recent period. */
  hostIds: string[];
  firstSeenMs: number;
  lastSeenMs: number;
  /** Crosses the threshold now and was absent/quiet in its baseline, or jumped by the factor. */
  isNew: boolean;
  /** parent alerts: the utilities/shells whose executions were attributed to it. */
  children: string[];
  suggestedExclusion: SuggestedExclusion;
  reason: string;
}

export interface DetectionResult {
  /** Subjects over threshold now (new or not). */
  noisy: NoisySubject[];
  /**
   * SQL LIKE patterns of raw exec paths/parents and file paths whose
   * baseline rows the hub must load to judge `noisy` (used by the first,
   * recent-only pass).
   */
  execPatterns: string[];
  filePatterns: string[];
  /** Subjects dropped because they would disclose a per-host user name. */
  droppedForPrivacy: number;
}

interface Cell {
  count: number;
  own: number;
  child: number;
  firstStartMs: number;
  lastEndMs: number;
}

class Subject {
  readonly cells = new Map<string, Cell>();
  readonly children = new Set<string>();
  /** Denied programs on the way from a child to this subject (shell in between, ...). */
  readonly via = new Set<string>();
  logLike = false;
  constructor(
    readonly group: SubjectGroup,
    readonly value: string,
  ) {}

  add(host: string, bin: number, count: number, firstStartMs: number, lastEndMs: number, part: 'own' | 'child'): void {
    const key = `${bin}\u0000${host}`;
    let c = this.cells.get(key);
    if (!c) this.cells.set(key, (c = { count: 0, own: 0, child: 0, firstStartMs, lastEndMs }));
    c.count += count;
    c[part] += count;
    if (firstStartMs < c.firstStartMs) c.firstStartMs = firstStartMs;
    if (lastEndMs > c.lastEndMs) c.lastEndMs = lastEndMs;
  }
}

export function detectNoisySubjects(execs: readonly ExecNoiseRow[], files: readonly FileNoiseRow[], cfg: DetectorConfig): DetectionResult {
  const windowSeconds = cfg.windowMinutes * 60;
  const execThreshold = cfg.execPerSecondThreshold * windowSeconds;
  const generalizer = new UsernameGeneralizer();
  const users = new UserScopeClassifier(cfg.systemUsers, cfg.systemUidMax);
  const policy = new ExclusionSafetyPolicy();
  const scrubber = new PerHostNameScrubber();
  const hide = (raw: string, localUser: string | readonly string[] | undefined): string | undefined => {
    if (!raw) return undefined;
    const g = generalizer.generalize(raw, localUser);
    if (g.removedUser && !/^\d+$/.test(g.removedUser)) scrubber.addName(g.removedUser);
    return hasControlChars(g.path) ? undefined : g.path;
  };

  // Exec rows, generalized once.
  const ex = execs.map((r) => {
    const localUser = users.localName(r.user);
    if (localUser) scrubber.addName(localUser);
    const path = hide(r.path, localUser);
    const parent = hide(r.parentPath, localUser);
    return { r, path, parent: parent !== path ? parent : undefined };
  });

  // The parent that started each program most often: how a utility's noise is walked up to its cause.
  const parentCounts = new Map<string, Map<string, number>>();
  for (const { r, path, parent } of ex) {
    if (!path || !parent) continue;
    let m = parentCounts.get(path);
    if (!m) parentCounts.set(path, (m = new Map()));
    m.set(parent, (m.get(parent) ?? 0) + r.count);
  }
  const topParent = new Map<string, string>();
  for (const [p, m] of parentCounts) {
    let best: string | undefined;
    let bestN = -1;
    for (const [q, n] of m) if (n > bestN || (n === bestN && best !== undefined && q < best)) [best, bestN] = [q, n];
    if (best !== undefined) topParent.set(p, best);
  }

  const subjects = new Map<string, Subject>();
  const subjectOf = (group: SubjectGroup, value: string) => {
    const key = `${group}:${value}`;
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = new Subject(group, value)));
    return s;
  };

  for (const { r, path, parent } of ex) {
    if (!path) continue;
    if (policy.deniedProgramKind(path) === undefined) {
      subjectOf('process', path).add(r.hostId, r.bin, r.count, r.firstStartMs, r.lastEndMs, 'own');
      continue;
    }
    // A shell/interpreter/utility: charge the program that causes it (Cisco: walk PP: up).
    let p = parent;
    const via: string[] = [];
    for (let depth = 1; p && policy.deniedProgramKind(p) !== undefined && depth < cfg.maxParentDepth; depth++) {
      via.push(p);
      const up = topParent.get(p);
      p = up && !via.includes(up) ? up : undefined;
    }
    if (!p || policy.deniedProgramKind(p) !== undefined) continue;
    const s = subjectOf('process', p);
    s.add(r.hostId, r.bin, r.count, r.firstStartMs, r.lastEndMs, 'child');
    s.children.add(path);
    for (const v of via) s.via.add(v);
  }

  // Files: each path, then what is left of its directory once its individually noisy files are taken out.
  const fileThreshold = (p: string) =>
    isLogLike(p, cfg.logFileSuffixes) ? Math.min(cfg.logWindowThreshold, cfg.pathWindowThreshold) : cfg.pathWindowThreshold;
  const fileSubjects: Subject[] = [];
  // People's accounts seen on each host (its exec rows): a file path there that names one outside a
  // home directory (/var/tmp/cache/alice/...) is per-host too, and is generalized as the exclusion
  // engine does; otherwise a fleet from agents with --redact-users (which hide those names on the host)
  // would group differently from the same fleet without it.
  const namesOfHost = new Map<string, string[]>();
  for (const r of execs) {
    const name = users.localName(r.user);
    if (!name || /^\d+$/.test(name)) continue;
    const list = namesOfHost.get(r.hostId);
    if (!list) namesOfHost.set(r.hostId, [name]);
    else if (!list.includes(name)) list.push(name);
  }
  for (const r of files) {
    const path = hide(r.path, namesOfHost.get(r.hostId));
    if (!path) continue;
    const s = subjectOf('path', path);
    if (s.cells.size === 0) fileSubjects.push(s);
    s.logLike = isLogLike(path, cfg.logFileSuffixes);
    s.add(r.hostId, r.bin, r.count, r.firstStartMs, r.lastEndMs, 'own');
  }
  for (const s of fileSubjects) {
    const t = fileThreshold(s.value);
    const dir = parentDir(s.value);
    if (!dir || dir === s.value) continue;
    for (const [key, c] of s.cells) {
      if (c.count >= t) continue;
      const sep = key.indexOf('\u0000');
      subjectOf('directory', dir).add(key.slice(sep + 1), Number(key.slice(0, sep)), c.count, c.firstStartMs, c.lastEndMs, 'own');
    }
  }

  const noisy: NoisySubject[] = [];
  const execPatterns = new Set<string>();
  const filePatterns = new Set<string>();
  let droppedForPrivacy = 0;
  for (const s of subjects.values()) {
    const threshold = s.group === 'process' ? execThreshold : s.group === 'path' ? fileThreshold(s.value) : cfg.pathWindowThreshold;
    const crosses = (n: number) => (s.group === 'process' ? n > threshold : n >= threshold);
    let recentPeak = 0;
    let baselinePeak = 0;
    let own = 0;
    let child = 0;
    let firstSeenMs = Infinity;
    let lastSeenMs = -Infinity;
    const hosts = new Set<string>();
    for (const [key, c] of s.cells) {
      const sep = key.indexOf('\u0000');
      const bin = Number(key.slice(0, sep));
      if (bin >= cfg.recentBins) {
        if (c.count > baselinePeak) baselinePeak = c.count;
        continue;
      }
      if (c.lastEndMs > lastSeenMs) lastSeenMs = c.lastEndMs;
      if (!crosses(c.count)) continue;
      hosts.add(key.slice(sep + 1));
      if (c.firstStartMs < firstSeenMs) firstSeenMs = c.firstStartMs;
      if (c.count > recentPeak) {
        recentPeak = c.count;
        own = c.own;
        child = c.child;
      }
    }
    if (hosts.size === 0) continue;
    if (scrubber.mentionsName(s.value)) {
      droppedForPrivacy++;
      continue;
    }
    const kind: AlertKind = s.group === 'process' ? (child > own ? 'parent' : 'exec') : s.group;
    const isNew = !crosses(baselinePeak) || recentPeak >= cfg.jumpFactor * baselinePeak;
    const ratePerSecond = round(recentPeak / windowSeconds, 3);
    const children = [...s.children].sort();
    const suggestedExclusion = suggest(policy, s.group, kind, s.value);
    noisy.push({
      group: s.group,
      kind,
      subject: s.value,
      threshold,
      recentPeak,
      baselinePeak,
      ratePerSecond,
      hostIds: [...hosts].sort(),
      firstSeenMs,
      lastSeenMs,
      isNew,
      children,
      suggestedExclusion,
      reason: describe(s, kind, recentPeak, baselinePeak, threshold, cfg, children),
    });
    if (s.group === 'process') {
      execPatterns.add(likePattern(s.value));
      for (const v of s.via) execPatterns.add(likePattern(v));
    } else {
      filePatterns.add(likePattern(s.value) + (s.group === 'directory' ? '/%' : ''));
    }
  }
  noisy.sort((a, b) => (a.group + a.subject < b.group + b.subject ? -1 : 1));
  return { noisy, execPatterns: [...execPatterns].sort(), filePatterns: [...filePatterns].sort(), droppedForPrivacy };
}

function suggest(policy: ExclusionSafetyPolicy, group: SubjectGroup, kind: AlertKind, value: string): SuggestedExclusion {
  if (group === 'process') {
    const v = policy.checkProcess(value);
    return { type: 'process', value, isDirectory: false, applyToChildren: kind === 'parent', allowed: v.allowed, ...(v.why ? { why: v.why } : {}) };
  }
  const isDirectory = group === 'directory';
  const v = policy.checkPath(value, isDirectory);
  return { type: 'path', value, isDirectory, applyToChildren: false, allowed: v.allowed, ...(v.why ? { why: v.why } : {}) };
}

function describe(s: Subject, kind: AlertKind, peak: number, baseline: number, threshold: number, cfg: DetectorConfig, children: string[]): string {
  const win = `${cfg.windowMinutes} min`;
  const before = baseline === 0 ? 'absent from its baseline' : `baseline peak ${baseline} per ${win}`;
  switch (kind) {
    case 'parent':
      return `new noisy helper: started ${children.map((c) => baseName(c)).join(', ')} ${peak} times in ${win} on a host (${round(peak / (cfg.windowMinutes * 60), 3)}/s, threshold ${cfg.execPerSecondThreshold}/s); ${before}`;
    case 'exec':
      return `program executed ${peak} times in ${win} on a host (${round(peak / (cfg.windowMinutes * 60), 3)}/s, threshold ${cfg.execPerSecondThreshold}/s); ${before}`;
    case 'path':
      return `${s.logLike ? 'log/journal file' : 'file'} with ${peak} file events in ${win} on a host (threshold ${threshold}); ${before}`;
    default:
      return `directory with ${peak} file events in ${win} on a host spread over files that are quiet alone (threshold ${threshold}); ${before}`;
  }
}

/** A generalized path as a SQL LIKE pattern over raw paths (`*` stands for one user-name segment). */
export function likePattern(generalized: string): string {
  return generalized
    .replace(/[\\%_]/g, (c) => '\\' + c)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}

function isLogLike(path: string, suffixes: readonly string[]): boolean {
  const name = baseName(path).toLowerCase();
  return suffixes.some((s) => name.endsWith(s));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
