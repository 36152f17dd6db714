import { PathShape, UsernameGeneralizer, baseName, hasControlChars, hasWildcard, isAbsolutePath, parentDir } from '@fleettune/paths';
import { assessRisk, isGlobalScopeEligible } from './exclusion-risk';
import { ExclusionEvidence, ExclusionItem, ExclusionType, RecommendationResult, RejectedSubject } from './exclusion-item';
import { ExclusionSafetyPolicy } from './exclusion-safety-policy';
import { DenseIndex } from './dense-index';
import { FleetActivityColumns, FleetActivityKind, FleetActivityRow, isFleetActivityColumns, toFleetActivityColumns } from './fleet-activity-row';
import { RecommendationConfig, resolveRecommendationConfig } from './recommendation-config';
import { UserScopeClassifier } from './user-scope-classifier';
import { PerHostNameScrubber } from './per-host-name-scrubber';
import { CellCountMap } from './cell-count-map';
import { FileFamily, findFileFamilies } from './file-name-families';
import { ProcessLauncherPolicy } from './process-launcher-policy';
import { selectTopRecommendations } from './recommendation-rank';
import { ExecBinCell, ExecRateBars, ExecRateVerdict, barShare, describeExecBars, describeMeasure, judgeHostExecRate, moreTelling } from './exec-rate-judge';

export interface RecommendOptions {
  /** Hosts that reported in the period, the denominator of prevalence. */
  hostsReporting: number;
  config?: Partial<RecommendationConfig>;
  /**
   * hostId -> independence key (host-independence.ts): hosts sharing a key (one enrollment burst,
   * one peer address) count once toward minHosts. Absent: every host is independent.
   */
  independenceKeys?: ReadonlyMap<string, string>;
}

const KINDS: ReadonlySet<string> = new Set<FleetActivityKind>(['file', 'exec', 'audit-exe', 'audit-path', 'audit-dir', 'scan']);
const MAX_SAMPLE_HOSTS = 5;

/**
 * Activity of one subject (a generalized path, pattern or program) over the
 * fleet. Cells are keyed by host and evaluation window as one number, which
 * keeps millions of cells cheap.
 */
class SubjectActivity {
  total = 0;
  firstSeenMs = Infinity;
  lastSeenMs = -Infinity;
  cells = new CellCountMap();
  rowCount = 0;
  /** undefined: no row yet; string: every row had this user scope; null: scopes differ, so blank. */
  userScope: string | null | undefined = undefined;
  /** exec: generalized parent (path id) -> executions it started. */
  readonly parents = new Map<number, number>();
  /** For grouped files: how many distinct generalized paths the pattern stands for. */
  members = 1;
  logLike = false;
  /** exec: hosts with a burst over the burst rate, and the highest short-window rate seen. */
  burstHosts: CellCountMap | undefined;
  peakBurstRate = 0;
  peakBurstSeconds = 0;
  /** Set for the extension / file-name subjects: every file row of a member path also counts here. */
  family: FileFamily | undefined;
  /** exec: per cell, the first and last moment of activity (epoch ms), where the rows say. */
  activeStart: Map<number, number> | undefined;
  activeEnd: Map<number, number> | undefined;

  constructor(
    readonly id: number,
    readonly kind: FleetActivityKind,
    readonly value: string,
    readonly valueIsDirectory: boolean,
  ) {}

  add(cell: number, count: number, windowStartMs: number, userScope: string): void {
    this.total += count;
    this.cells.add(cell, count);
    if (windowStartMs < this.firstSeenMs) this.firstSeenMs = windowStartMs;
    if (windowStartMs > this.lastSeenMs) this.lastSeenMs = windowStartMs;
    if (this.userScope === undefined) this.userScope = userScope;
    else if (this.userScope !== userScope) this.userScope = null;
  }

  /** Widens the cell's active span to [startMs, endMs]. */
  addSpan(cell: number, startMs: number, endMs: number): void {
    const a = (this.activeStart ??= new Map());
    const b = (this.activeEnd ??= new Map());
    const s0 = a.get(cell);
    if (s0 === undefined || startMs < s0) a.set(cell, startMs);
    const e0 = b.get(cell);
    if (e0 === undefined || endMs > e0) b.set(cell, endMs);
  }

  addBurst(host: number, ratePerSecond: number, seconds: number, threshold: number): void {
    if (ratePerSecond > this.peakBurstRate) {
      this.peakBurstRate = ratePerSecond;
      this.peakBurstSeconds = seconds;
    }
    if (ratePerSecond > threshold) (this.burstHosts ??= new CellCountMap(Math.min(this.rowCount, 1 << 20))).add(host, 1);
  }
}

interface Candidate {
  subject: SubjectActivity;
  evidence: ExclusionEvidence;
  threshold: number;
}

/**
 * Computes the fleet-wide recommended exclusion set.
 *
 * Order matters: paths are generalized (per-user parts to `*`) before
 * grouping, so the same noisy file under every user's home is one subject
 * measured on many hosts, and numbered siblings are grouped before
 * thresholds apply, because each of 1200 temp files is quiet on its own.
 * Work is linear in the rows: three passes at most, all state in Maps.
 */
export function recommendExclusions(input: readonly FleetActivityRow[] | FleetActivityColumns, options: RecommendOptions): RecommendationResult {
  const cfg = resolveRecommendationConfig(options.config);
  const cols = isFleetActivityColumns(input) ? input : toFleetActivityColumns(input);
  const windowMs = cfg.windowMinutes * 60_000;
  const windowSeconds = cfg.windowMinutes * 60;
  const generalizer = new UsernameGeneralizer();
  const users = new UserScopeClassifier(cfg.systemUsers, cfg.systemUidMax);
  const policy = new ExclusionSafetyPolicy({
    deniedProcessNames: cfg.extraDeniedProcessNames,
    deniedFolders: cfg.extraDeniedFolders,
    deniedExtensions: cfg.extraDeniedExtensions,
  });
  const launchers = new ProcessLauncherPolicy(cfg.extraLauncherNames);
  /**
   * Generalized program path -> what the agents read from its file: 'script' when any host saw `#!`
   * (one host's script is enough to refuse), 'binary' when hosts saw only ELF/Mach-O. Absent: unknown.
   */
  const programFormats = new Map<string, 'binary' | 'script'>();
  /** Cisco: "Process Exclusions on Mac can only be implemented for Mach-O files"; a `#!` script runs under its interpreter. */
  const scriptRefusal = (path: string) =>
    programFormats.get(path) === 'script'
      ? { allowed: false, why: `${path} is a script (#!, read by the agent): process exclusions hold for Mach-O/ELF binaries only` }
      : undefined;
  /** A program as an item of its own: the safety policy, never an OS launcher (Cisco: "if and only if ... safely"), never a script. */
  const checkProgram = (path: string) => {
    const v = policy.checkProcess(path);
    if (!v.allowed) return v;
    const launcher = launchers.checkItem(path);
    if (launcher) return { allowed: false, why: launcher.why };
    return scriptRefusal(path) ?? v;
  };
  /** A process item the agents did not report as a binary: kept, marked "confirm Mach-O/ELF". */
  const formatUnconfirmed = (path: string) => programFormats.get(path) !== 'binary';
  const scrubber = new PerHostNameScrubber();
  const rejected: RejectedSubject[] = [];
  const rejectedOnce = new Set<string>();
  const reject = (subject: string, why: string) => {
    const k = subject + '\u0000' + why;
    if (rejectedOnce.has(k)) return;
    rejectedOnce.add(k);
    rejected.push({ subject, why });
  };

  const n = cols.rowCount;
  const inSubjects = cols.subjects;
  const hostIds = cols.hostIds;
  const peakCountOf = cols.peakCount;
  const peakSecondsOf = cols.peakWindowSeconds;
  const activeStartOf = cols.activeStartMs;
  const activeEndOf = cols.activeEndMs;

  // Per input subject: validity, user class and scope, computed once however many rows it has.
  const S = inSubjects.length;
  const subjectValid = new Uint8Array(S);
  const localUserOf: (string | undefined)[] = new Array(S);
  const scopeOf: string[] = new Array(S);
  for (let s = 0; s < S; s++) {
    const x = inSubjects[s];
    if (!x || !KINDS.has(x.kind) || typeof x.path !== 'string' || x.path === '') continue;
    subjectValid[s] = 1;
    const localUser = users.localName(x.user, x.uid);
    localUserOf[s] = localUser;
    if (localUser && !/^\d+$/.test(localUser)) scrubber.addName(localUser);
    scopeOf[s] = users.scopeFor(x.user, x.uid);
  }

  // Local accounts seen on each host (from its exec rows): a path on that host
  // that names one of them outside a home directory (/var/tmp/cache/alice/...)
  // is per-host too, and is generalized like /home/alice.
  const namesOfHost: (string[] | undefined)[] = new Array(hostIds.length);
  for (let i = 0; i < n; i++) {
    const s = cols.subjectOfRow[i];
    if (s < 0 || !subjectValid[s]) continue;
    const name = localUserOf[s];
    if (!name || /^\d+$/.test(name)) continue;
    const h = cols.hostOfRow[i];
    const list = namesOfHost[h];
    if (!list) namesOfHost[h] = [name];
    else if (!list.includes(name)) list.push(name);
  }

  // Pass 1: validate, generalize, intern paths as ids, find the window range.
  // Per-row results live in typed arrays: millions of rows must not mean millions of heap objects.
  const pathIdOfRow = new Int32Array(n).fill(-1);
  const parentIdOfRow = new Int32Array(n).fill(-1);
  const hostOfRow = cols.hostOfRow;
  const pathIds = new DenseIndex<string>();
  const pathById = pathIds.keys;
  const idOf = (p: string) => pathIds.idOf(p);
  /** Generalized (path id, parent id) of a subject without host names; -2: not computed yet, -1: refused. */
  const basePath = new Int32Array(S).fill(-2);
  const baseParent = new Int32Array(S).fill(-1);
  const hostSpecific = new Map<string, [number, number]>();
  const generalizeSubject = (s: number, hide: string | readonly string[] | undefined): [number, number] => {
    const x = inSubjects[s];
    const g = generalizer.generalize(x.path, hide);
    if (g.removedUser && !/^\d+$/.test(g.removedUser)) scrubber.addName(g.removedUser);
    if (hasControlChars(g.path)) {
      reject(JSON.stringify(g.path).slice(1, -1), 'contains control characters (newline, tab...); not a usable exclusion');
      return [-1, -1];
    }
    const pid = idOf(g.path);
    let parent = -1;
    // exec: the parent program; audit-dir / audit-path: the initiator of the records (for auditd's -x form).
    if ((x.kind === 'exec' || x.kind === 'audit-dir' || x.kind === 'audit-path') && x.parentPath) {
      const gp = generalizer.generalize(x.parentPath, hide);
      if (gp.removedUser && !/^\d+$/.test(gp.removedUser)) scrubber.addName(gp.removedUser);
      if (!hasControlChars(gp.path) && gp.path !== g.path) parent = idOf(gp.path);
    }
    return [pid, parent];
  };
  const filePathIds = new Set<number>();
  let minWindow = Infinity;
  let maxWindow = -Infinity;
  let invalidRows = 0;

  for (let i = 0; i < n; i++) {
    const s = cols.subjectOfRow[i];
    const h = hostOfRow[i];
    const c = cols.count[i];
    const ws = cols.windowStartMs[i];
    if (s < 0 || !subjectValid[s] || h < 0 || !hostIds[h] || !Number.isFinite(ws) || !(c > 0) || !Number.isFinite(c)) {
      invalidRows++;
      continue;
    }
    const x = inSubjects[s];
    if (basePath[s] === -2) [basePath[s], baseParent[s]] = generalizeSubject(s, localUserOf[s]);
    let pid = basePath[s];
    let parent = baseParent[s];
    const names = namesOfHost[h];
    if (pid >= 0 && names && names.some((nm) => nm !== localUserOf[s] && (x.path.includes(nm) || (x.parentPath ?? '').includes(nm)))) {
      const key = s + '\u0000' + names.join('\u0000');
      let r = hostSpecific.get(key);
      if (!r) hostSpecific.set(key, (r = generalizeSubject(s, names)));
      [pid, parent] = r;
    }
    if (pid < 0) continue;
    pathIdOfRow[i] = pid;
    parentIdOfRow[i] = parent;
    if (x.kind === 'file') filePathIds.add(pid);
    if (x.programFormat && (x.kind === 'exec' || x.kind === 'scan' || x.kind === 'audit-exe')) {
      const f = x.programFormat === 'script' ? 'script' : x.programFormat === 'elf' || x.programFormat === 'mach-o' ? 'binary' : undefined;
      const g = pathById[pid];
      if (f === 'script') programFormats.set(g, 'script');
      else if (f === 'binary' && !programFormats.has(g)) programFormats.set(g, 'binary');
    }
    const w = Math.floor(ws / windowMs);
    if (w < minWindow) minWindow = w;
    if (w > maxWindow) maxWindow = w;
  }
  pathIds.releaseLookup();
  hostSpecific.clear();
  if (invalidRows > 0) reject(`${invalidRows} input rows`, 'malformed (missing path or host, non-positive count or bad window)');

  // Group same-shaped sibling files into one subject.
  const subjects: SubjectActivity[] = [];
  const newSubject = (kind: FleetActivityKind, value: string, isDir: boolean) => {
    const s = new SubjectActivity(subjects.length, kind, value, isDir);
    subjects.push(s);
    return s;
  };
  const fileSubjectByPattern = new Map<string, SubjectActivity>();
  /** kind -> path id -> subject. */
  const subjectOfPath = new Map<FleetActivityKind, Map<number, SubjectActivity>>();
  for (const k of KINDS) subjectOfPath.set(k as FleetActivityKind, new Map());
  const filePathSubjects = subjectOfPath.get('file')!;
  const filePathIdList = [...filePathIds];
  const filePathStrings = filePathIdList.map((id) => pathById[id]);
  const idOfFilePath = new Map(filePathStrings.map((p, i) => [p, filePathIdList[i]]));
  for (const grp of new PathShape({ minGroupSize: cfg.minGroupSize }).group(filePathStrings)) {
    let s = fileSubjectByPattern.get(grp.pattern);
    if (!s) {
      s = newSubject('file', grp.pattern, grp.kind === 'directory');
      s.members = 0;
      fileSubjectByPattern.set(grp.pattern, s);
    }
    s.members += grp.members.length;
    s.logLike ||= grp.members.some((m) => isLogLike(m, cfg.logFileSuffixes));
    for (const m of grp.members) filePathSubjects.set(idOfFilePath.get(m)!, s);
  }
  // Extensions and file names spread over many directories: extra subjects fed by the same file rows.
  const P0 = pathById.length;
  const extensionSubjectOfPath = new Int32Array(P0).fill(-1);
  const nameSubjectOfPath = new Int32Array(P0).fill(-1);
  let anyFamily = false;
  {
    const fam = findFileFamilies(filePathStrings, cfg);
    const familySubjects = fam.families.map((f) => {
      const s = newSubject('file', f.value, false);
      s.family = f;
      s.members = f.paths;
      s.logLike = isLogLike(f.type === 'extension' ? 'x' + f.value : f.value, cfg.logFileSuffixes);
      return s.id;
    });
    for (let k = 0; k < filePathIdList.length; k++) {
      const e = fam.extensionFamilyOf[k];
      const nm = fam.nameFamilyOf[k];
      if (e >= 0) extensionSubjectOfPath[filePathIdList[k]] = familySubjects[e];
      if (nm >= 0) nameSubjectOfPath[filePathIdList[k]] = familySubjects[nm];
    }
    anyFamily = familySubjects.length > 0;
  }
  filePathIds.clear();
  idOfFilePath.clear();

  const span = maxWindow >= minWindow ? maxWindow - minWindow + 1 : 1;
  const cellOf = (host: number, w: number) => host * span + (w - minWindow);
  const hostOfCell = (cell: number) => Math.floor(cell / span);

  const valueSubjects = new Map<string, SubjectActivity>();
  const subjectFor = (kind: FleetActivityKind, pathId: number): SubjectActivity => {
    const byPath = subjectOfPath.get(kind)!;
    let s = byPath.get(pathId);
    if (s) return s;
    const value = kind === 'audit-path' ? parentDir(pathById[pathId]) : pathById[pathId];
    // Directory rows and file rows of the same directory are one audit-dir subject.
    const subjectKind = kind === 'audit-dir' ? 'audit-path' : kind;
    const key = subjectKind + '\u0000' + value;
    s = valueSubjects.get(key);
    if (!s) valueSubjects.set(key, (s = newSubject(subjectKind, value, subjectKind === 'audit-path')));
    byPath.set(pathId, s);
    return s;
  };

  // Pass 2a: subject of every row, and how many rows each subject has, to size its cell table exactly once.
  const subjectOfRow = new Int32Array(n).fill(-1);
  // Rows of one input subject almost always share its generalized path: look the subject up once per input subject.
  const subjectOfInput = new Int32Array(S).fill(-1);
  for (let i = 0; i < n; i++) {
    const pid = pathIdOfRow[i];
    if (pid < 0) continue;
    const inS = cols.subjectOfRow[i];
    let sid: number;
    if (pid === basePath[inS]) {
      sid = subjectOfInput[inS];
      if (sid < 0) sid = subjectOfInput[inS] = subjectFor(inSubjects[inS].kind, pid).id;
    } else {
      sid = subjectFor(inSubjects[inS].kind, pid).id;
    }
    subjectOfRow[i] = sid;
    subjects[sid].rowCount++;
    if (anyFamily && pid < P0) {
      const e = extensionSubjectOfPath[pid];
      if (e >= 0) subjects[e].rowCount++;
      const nm = nameSubjectOfPath[pid];
      if (nm >= 0) subjects[nm].rowCount++;
    }
  }
  // A subject has at most one cell per host and window, however many rows feed it.
  const maxCells = hostIds.length * span;
  const pool = CellCountMap.pool(subjects.map((s) => Math.min(s.rowCount, maxCells)));
  subjects.forEach((s, i) => (s.cells = pool[i]));

  /** Rate of one short agent window within row i, or 0 when the row says nothing about bursts. */
  const burstRateOfRow = (i: number): number => {
    if (!peakCountOf || !peakSecondsOf) return 0;
    const seconds = peakSecondsOf[i];
    const peak = peakCountOf[i];
    if (!(seconds > 0) || seconds > cfg.burstWindowMaxSeconds || !(peak >= cfg.burstMinCount)) return 0;
    return peak / seconds;
  };

  // Pass 2b: accumulate per subject, host and evaluation window.
  const parentCountOfInput = new Float64Array(S);
  for (let i = 0; i < n; i++) {
    const sid = subjectOfRow[i];
    if (sid < 0) continue;
    const s = subjects[sid];
    const ws = cols.windowStartMs[i];
    const cell = cellOf(hostOfRow[i], Math.floor(ws / windowMs));
    s.add(cell, cols.count[i], ws, scopeOf[cols.subjectOfRow[i]]);
    if (anyFamily && s.kind === 'file') {
      const pid = pathIdOfRow[i];
      if (pid < P0) {
        const e = extensionSubjectOfPath[pid];
        if (e >= 0) subjects[e].add(cell, cols.count[i], ws, '');
        const nm = nameSubjectOfPath[pid];
        if (nm >= 0) subjects[nm].add(cell, cols.count[i], ws, '');
      }
    }
    if (s.kind === 'exec') {
      const rate = burstRateOfRow(i);
      if (rate > 0) s.addBurst(hostOfRow[i], rate, peakSecondsOf![i], cfg.burstPerSecondThreshold);
      if (activeStartOf && activeEndOf && activeStartOf[i] === activeStartOf[i]) s.addSpan(cell, activeStartOf[i], activeEndOf[i]);
    }
    const parent = parentIdOfRow[i];
    if (parent < 0) continue;
    const inS = cols.subjectOfRow[i];
    if (parent === baseParent[inS] && sid === subjectOfInput[inS]) parentCountOfInput[inS] += cols.count[i];
    else s.parents.set(parent, (s.parents.get(parent) ?? 0) + cols.count[i]);
  }
  for (let inS = 0; inS < S; inS++) {
    const c = parentCountOfInput[inS];
    if (c === 0) continue;
    const s = subjects[subjectOfInput[inS]];
    s.parents.set(baseParent[inS], (s.parents.get(baseParent[inS]) ?? 0) + c);
  }

  const hostsReporting = Math.max(options.hostsReporting || 0, hostIds.length, 1);
  const thresholdOf = (s: SubjectActivity): number => {
    if (s.family) {
      const base = s.family.type === 'extension' ? cfg.extensionWindowThreshold : cfg.filenameWindowThreshold;
      return s.logLike ? Math.min(cfg.logWindowThreshold, base) : base;
    }
    switch (s.kind) {
      case 'file':
        return s.logLike ? Math.min(cfg.logWindowThreshold, cfg.pathWindowThreshold) : cfg.pathWindowThreshold;
      case 'exec':
        return cfg.execPerSecondThreshold * windowSeconds;
      case 'scan':
        return cfg.scanWindowThreshold;
      default:
        return cfg.auditWindowThreshold;
    }
  };

  const affected = new HostMarks(hostIds.length);
  const seenMarks = new HostMarks(hostIds.length);
  const independence = independenceGroups(hostIds, options.independenceKeys);
  const execBars: ExecRateBars = {
    binMs: windowMs,
    execPerSecondThreshold: cfg.execPerSecondThreshold,
    execMinSpanSeconds: cfg.execMinSpanMinutes * 60,
    execCountThreshold: cfg.execCountThreshold,
    execCountSpanSeconds: windowSeconds,
  };
  /** exec subjects that missed every bar on every host, with the measure closest to a bar. */
  const execMisses: { subject: SubjectActivity; verdict: ExecRateVerdict }[] = [];
  /**
   * Cisco's execution bars per host over adjacent bins (exec-rate-judge.ts): marks the hosts
   * that pass, and returns the passing measure with the most executions (or, when none passes,
   * the one closest to a bar).
   */
  const judgeExecHosts = (s: SubjectActivity, seen: HostMarks | undefined): ExecRateVerdict | undefined => {
    const byHost = new Map<number, ExecBinCell[]>();
    s.cells.forEach((cell, c) => {
      const h = hostOfCell(cell);
      let list = byHost.get(h);
      if (!list) byHost.set(h, (list = []));
      list.push({ bin: minWindow + (cell - h * span), count: c, activeStartMs: s.activeStart?.get(cell) ?? NaN, activeEndMs: s.activeEnd?.get(cell) ?? NaN });
    });
    let best: ExecRateVerdict | undefined;
    for (const [h, list] of byHost) {
      list.sort((a, b) => a.bin - b.bin);
      const v = judgeHostExecRate(list, execBars);
      if (v.passes) affected.add(h);
      else seen?.add(h);
      if (!best || moreTelling(v, best)) best = v;
    }
    return best;
  };
  const evaluate = (s: SubjectActivity, threshold: number, fallbackToSeen: boolean): ExclusionEvidence | undefined => {
    affected.reset();
    seenMarks.reset();
    const seen = fallbackToSeen ? seenMarks : undefined;
    let peak = 0;
    // Cisco: "more often than once per second" (or 1000 in 15-20 minutes) for execs, judged per host
    // over its capture; "1000 hits or more" per window for paths.
    const exec = s.kind === 'exec';
    const execVerdict = exec ? judgeExecHosts(s, seen) : undefined;
    s.cells.forEach((cell, c) => {
      if (c > peak) peak = c;
      if (exec) return;
      if (c >= threshold) affected.add(hostOfCell(cell));
      else seen?.add(hostOfCell(cell));
    });
    if (execVerdict && !execVerdict.passes && affected.size === 0 && !s.burstHosts && !fallbackToSeen && s.id >= 0) {
      execMisses.push({ subject: s, verdict: execVerdict });
    }
    if (s.burstHosts) s.burstHosts.forEach((h) => affected.add(h));
    let hosts = affected;
    if (hosts.size === 0) {
      if (!seen || seen.size === 0) return undefined;
      hosts = seen;
    }
    const evidence: ExclusionEvidence = {
      hosts: hosts.size,
      hostsReporting,
      prevalence: round(hosts.size / hostsReporting, 4),
      totalCount: s.total,
      peakWindowCount: peak,
      peakRatePerSecond: execVerdict?.passes ? round(execVerdict.measure.ratePerSecond, 3) : round(peak / windowSeconds, 3),
      firstSeenMs: s.firstSeenMs,
      lastSeenMs: s.lastSeenMs,
      sampleHostIds: smallestHostIds(hosts, hostIds, scrubber),
    };
    if (independence) {
      const independent = independence.count(hosts);
      if (independent < hosts.size) evidence.independentHosts = independent;
    }
    if (execVerdict?.passes) {
      evidence.execCount = execVerdict.measure.count;
      evidence.execSeconds = round(execVerdict.measure.seconds, 1);
      evidence.execBar = execVerdict.bar;
    }
    if (s.kind === 'exec' && s.peakBurstRate > 0) {
      evidence.burstHosts = s.burstHosts?.size ?? 0;
      evidence.peakBurstRatePerSecond = round(s.peakBurstRate, 3);
      evidence.burstWindowSeconds = s.peakBurstSeconds;
    }
    return evidence;
  };
  const passesFleetBar = (e: ExclusionEvidence) => (e.independentHosts ?? e.hosts) >= cfg.minHosts && e.prevalence >= cfg.minPrevalence;

  const familyMinHosts = Math.max(cfg.minHosts, cfg.familyMinHosts);
  const candidates: Candidate[] = [];
  const scanCandidates: Candidate[] = [];
  for (const s of subjects) {
    const threshold = thresholdOf(s);
    const evidence = evaluate(s, threshold, false);
    if (!evidence) continue;
    if (!passesFleetBar(evidence)) {
      const prevalence = cfg.minPrevalence > 0 ? ` and ${round(cfg.minPrevalence * 100, 2)}% of reporting hosts` : '';
      const independent = evidence.independentHosts !== undefined ? ` (${evidence.independentHosts} independent)` : '';
      reject(
        scrubber.redact(s.value),
        `over its bar on ${evidence.hosts}${independent} of ${evidence.hostsReporting} hosts; a fleet recommendation needs at least ${cfg.minHosts} independent hosts${prevalence}`,
      );
      continue;
    }
    if (s.family && (evidence.independentHosts ?? evidence.hosts) < familyMinHosts) {
      reject(
        scrubber.redact(s.value),
        `${s.family.type === 'extension' ? 'extension' : 'file name'} busy on only ${evidence.hosts} hosts; an item that covers every directory needs at least ${familyMinHosts}`,
      );
      continue;
    }
    (s.kind === 'scan' ? scanCandidates : candidates).push({ subject: s, evidence, threshold });
  }
  // Every program that misses the execution bars is listed with its closest measure, so an
  // 18-minute capture at 0.9/s is visibly judged, not silently dropped. Programs far below
  // (under half of every bar) are counted in one line: a fleet runs thousands of quiet programs.
  let quietPrograms = 0;
  for (const { subject, verdict } of execMisses) {
    if (barShare(verdict.measure, execBars) < 0.5) quietPrograms++;
    else reject(scrubber.redact(subject.value), `below the execution bars on every host (${describeExecBars(execBars)}): ${verdict.why}`);
  }
  if (quietPrograms > 0)
    reject(`${quietPrograms} other programs`, `executed less than half of every execution bar on every host (${describeExecBars(execBars)})`);
  // MDE (high_cpu_parser.py): the top processes by files scanned, fleet-wide.
  scanCandidates.sort((a, b) => b.evidence.totalCount - a.evidence.totalCount || (a.subject.value < b.subject.value ? -1 : 1));
  scanCandidates.forEach((c, k) => {
    c.evidence.filesScanned = c.evidence.totalCount;
    c.evidence.scanRank = k + 1;
    if (k < cfg.maxScanProcesses) candidates.push(c);
    else reject(c.subject.value, `ranked ${k + 1} by files scanned, below the top ${cfg.maxScanProcesses} processes`);
  });

  const items: ExclusionItem[] = [];
  const P = pathById.length;
  /** Safe ancestor -> the noisy (child subject, immediate parent id) pairs whose executions it accounts for. */
  const parentPlans = new Map<string, { pairs: Set<number>; children: Set<string>; coversInterpreter: boolean; via: Set<string> }>();
  const describeWindow = `one ${cfg.windowMinutes}-minute window`;
  const describeExecRate = (e: ExclusionEvidence) => {
    const avg =
      e.execCount !== undefined
        ? `executed ${describeMeasure({ count: e.execCount, seconds: e.execSeconds ?? windowSeconds, ratePerSecond: e.peakRatePerSecond, startMs: 0 })} on a host (${e.execBar === 'rate' ? `more than ${cfg.execPerSecondThreshold}/s` : `at least ${cfg.execCountThreshold} within ${cfg.windowMinutes} min`}; bars ${describeExecBars(execBars)})`
        : `executed up to ${e.peakRatePerSecond}/s over ${describeWindow} (threshold ${cfg.execPerSecondThreshold}/s)`;
    if (!e.burstHosts) return avg;
    return `${avg}, in bursts of up to ${e.peakBurstRatePerSecond}/s within a ${e.burstWindowSeconds}-second agent window on ${e.burstHosts} hosts (burst threshold ${cfg.burstPerSecondThreshold}/s)`;
  };

  /**
   * Walks up the parent chain (Cisco: "until PP:1") from an exec subject to
   * the first program safe to exclude. An OS launcher ends the walk: above
   * it is only init, and the launcher itself starts every application, so
   * the refusal names the child it started.
   */
  const walkToSafeParent = (start: SubjectActivity | undefined) => {
    let current = start;
    let immediateParent: number | undefined;
    let chosen: string | undefined;
    let lastRefusal = '';
    const chain: string[] = [];
    for (let depth = 0; current && depth < cfg.maxParentDepth; depth++) {
      const topId = topParent(current);
      if (topId === undefined) break;
      const top = pathById[topId];
      if (depth === 0) immediateParent = topId;
      const launcher = launchers.kindOf(top);
      if (launcher && launchers.endsParentWalk(launcher)) {
        const child = current.value;
        const childVerdict = policy.checkProcess(child);
        lastRefusal = launchers.parentRefusal(top, launcher, child, childVerdict.allowed ? undefined : childVerdict.why);
        break;
      }
      const v = launcher
        ? { allowed: false, why: `${baseName(top)} is a privilege wrapper (never an item)` }
        : (scriptRefusal(top) ?? policy.checkProcess(top));
      if (v.allowed) {
        chosen = top;
        break;
      }
      chain.push(top);
      lastRefusal = `parent ${top} refused: ${v.why}`;
      current = valueSubjects.get('exec\u0000' + top);
    }
    return { chosen, immediateParent, chain, lastRefusal };
  };
  const coversInterpreter = (child: string, chain: readonly string[]) => {
    const kind = policy.deniedProgramKind(child);
    return (
      kind === 'shell' || kind === 'interpreter' || chain.some((c) => policy.deniedProgramKind(c) !== 'utility' && policy.deniedProgramKind(c) !== undefined)
    );
  };

  for (const { subject: s, evidence, threshold } of candidates) {
    const fleet = `over threshold on ${evidence.hosts} of ${evidence.hostsReporting} hosts`;
    if (s.family) {
      const f = s.family;
      // A file name can be a person's (alice.notes): refused before it could appear anywhere, even in the refusals.
      if (scrubber.mentionsName(f.value)) {
        reject(scrubber.redact(f.value), 'would disclose a per-host user name');
        continue;
      }
      const verdict = f.type === 'extension' ? policy.checkExtension(f.value) : policy.checkFileName(f.value);
      if (!verdict.allowed) {
        reject(f.value, verdict.why!);
        continue;
      }
      evidence.directories = f.directories;
      evidence.distinctPaths = f.paths;
      const what =
        f.type === 'extension'
          ? `busy ${f.value} files${s.logLike ? ' (log/journal type)' : ''} in ${f.directories} directories (${f.paths} distinct paths)`
          : `file name recurring in ${f.directories} directories (${f.paths} distinct paths)`;
      const reason = `${what}: peak ${evidence.peakWindowCount} file events in ${describeWindow} on a host (threshold ${threshold}), ${fleet}; matches this ${f.type === 'extension' ? 'extension' : 'name'} in every directory`;
      items.push(makeItem(f.type, f.value, false, '', false, false, reason, evidence));
      continue;
    }
    if (s.kind === 'scan') {
      const scanned = `Defender scanned up to ${evidence.peakWindowCount} files for it in ${describeWindow} on a host (threshold ${threshold}), ${evidence.totalCount} in all, rank ${evidence.scanRank} by files scanned, ${fleet}`;
      const verdict = checkProgram(s.value);
      if (verdict.allowed) {
        items.push(makeItem('process', s.value, false, '', false, false, `top process by files scanned: ${scanned}`, evidence, formatUnconfirmed(s.value)));
        continue;
      }
      // Files scanned are counted per process, not per process tree, and Defender's process
      // exclusions do not cover children: crediting them to a parent (a guess from exec data,
      // often another host's) would promise a saving no exclusion delivers. Refused, with the evidence.
      reject(s.value, `${verdict.why}; files scanned are never credited to a parent (Defender process exclusions do not cover child processes): ${scanned}`);
      continue;
    }
    if (s.kind === 'file') {
      const isDirectory = s.valueIsDirectory;
      const type: ExclusionType = hasWildcard(s.value) ? 'wildcard' : 'path';
      const verdict = policy.checkPath(s.value, isDirectory);
      if (!verdict.allowed) {
        reject(s.value, verdict.why!);
        continue;
      }
      const what =
        s.members > 1 ? `${s.members} same-shaped files${isDirectory ? ' in this directory' : ''}` : s.logLike ? 'frequently written log/journal file' : 'file';
      const reason = `${what}: peak ${evidence.peakWindowCount} file events in ${describeWindow} on a host (threshold ${threshold}), ${fleet}`;
      items.push(makeItem(type, s.value, isDirectory, '', false, false, reason, evidence));
    } else if (s.kind === 'exec') {
      const verdict = checkProgram(s.value);
      const rate = `${describeExecRate(evidence)}, ${fleet}`;
      if (verdict.allowed) {
        items.push(makeItem('process', s.value, false, s.userScope ?? '', false, false, `noisy program ${rate}`, evidence, formatUnconfirmed(s.value)));
        continue;
      }
      const { chosen, immediateParent, chain, lastRefusal } = walkToSafeParent(s);
      if (!chosen || immediateParent === undefined) {
        reject(s.value, `${verdict.why}; no safe parent process to exclude instead${lastRefusal ? ` (${lastRefusal})` : ' (parent unknown)'}`);
        continue;
      }
      let plan = parentPlans.get(chosen);
      if (!plan) parentPlans.set(chosen, (plan = { pairs: new Set(), children: new Set(), coversInterpreter: false, via: new Set() }));
      plan.pairs.add(s.id * P + immediateParent);
      plan.children.add(s.value);
      for (const c of chain) plan.via.add(c);
      if (coversInterpreter(s.value, chain)) plan.coversInterpreter = true;
      reject(s.value, `${verdict.why}; recommended its parent ${chosen} with apply-to-children instead`);
    } else {
      const isExe = s.kind === 'audit-exe';
      const verdict = isExe ? checkProgram(s.value) : policy.checkPath(s.value, true);
      if (!verdict.allowed) {
        reject(s.value, verdict.why!);
        continue;
      }
      if (hasWildcard(s.value)) {
        reject(s.value, 'auditd rules take one literal path; a per-user location cannot be expressed fleet-wide');
        continue;
      }
      let reason = `${isExe ? 'audit records initiated by this program' : 'audit records about files in this directory'}: peak ${evidence.peakWindowCount} in ${describeWindow} on a host (threshold ${threshold}), ${fleet}`;
      if (!isExe) {
        // MDE auditd guide: "The -x flag is used to exclude access to subdirectories by specific initiators".
        // When one program makes (nearly) all of a directory's records, exe + dir mutes only that program
        // there: narrower than the whole directory, whoever the program is.
        const topId = topParent(s);
        const initiator = topId === undefined ? undefined : pathById[topId];
        const share = topId === undefined ? 0 : (s.parents.get(topId) ?? 0) / s.total;
        if (initiator && share >= cfg.auditDirInitiatorShare && !hasWildcard(initiator) && isAbsolutePath(initiator)) {
          evidence.auditInitiator = initiator;
          evidence.auditInitiatorShare = round(share, 4);
          reason += `; ${round(share * 100, 1)}% of them by ${initiator}, so the auditd rule is that initiator in this directory (the guide's -x form)`;
        }
      }
      items.push(makeItem(isExe ? 'audit-exe' : 'audit-dir', s.value, !isExe, '', false, false, reason, evidence));
    }
  }

  // Pass 3, only when some noisy utility was attributed to a parent: measure what each parent item would silence.
  if (parentPlans.size > 0) {
    const pairOwner = new Map<number, SubjectActivity>();
    const ownerOfInput: (SubjectActivity | null | undefined)[] = new Array(S);
    const planActivity = new Map<string, SubjectActivity>();
    for (const [parent, plan] of parentPlans) {
      const act = new SubjectActivity(-1, 'exec', parent, false);
      planActivity.set(parent, act);
      for (const pair of plan.pairs) pairOwner.set(pair, act);
    }
    for (let i = 0; i < n; i++) {
      const sid = subjectOfRow[i];
      const parent = parentIdOfRow[i];
      if (sid < 0 || parent < 0) continue;
      const inS = cols.subjectOfRow[i];
      let act: SubjectActivity | undefined | null;
      if (parent === baseParent[inS] && sid === subjectOfInput[inS]) {
        act = ownerOfInput[inS];
        if (act === undefined) act = ownerOfInput[inS] = pairOwner.get(sid * P + parent) ?? null;
      } else {
        act = pairOwner.get(sid * P + parent);
      }
      if (!act) continue;
      const ws = cols.windowStartMs[i];
      act.add(cellOf(hostOfRow[i], Math.floor(ws / windowMs)), cols.count[i], ws, scopeOf[cols.subjectOfRow[i]]);
      const rate = burstRateOfRow(i);
      if (rate > 0) act.addBurst(hostOfRow[i], rate, peakSecondsOf![i], cfg.burstPerSecondThreshold);
      if (activeStartOf && activeEndOf && activeStartOf[i] === activeStartOf[i]) {
        act.addSpan(cellOf(hostOfRow[i], Math.floor(ws / windowMs)), activeStartOf[i], activeEndOf[i]);
      }
    }
    const existing = new Map(items.filter((it) => it.type === 'process').map((it) => [it.value, it]));
    for (const [parent, plan] of parentPlans) {
      const act = planActivity.get(parent)!;
      const evidence = evaluate(act, thresholdOf(act), true);
      if (!evidence) continue;
      const children = [...plan.children].sort();
      const via = plan.via.size ? ` (via ${[...plan.via].sort().join(', ')})` : '';
      const reason = `starts noisy utilities ${children.join(', ')}${via} that must not be excluded themselves: children ${describeExecRate(evidence)}, over threshold on ${evidence.hosts} of ${evidence.hostsReporting} hosts; exclude this program with apply-to-children`;
      // Widening an item that already exists (children on) needs the fleet bar too: one host must not
      // be able to turn a reviewed program into an apply-to-children exclusion (or kick it back to review).
      if (!passesFleetBar(evidence)) {
        reject(parent, `would cover noisy children on only ${evidence.hosts} hosts (below the fleet bar)`);
        continue;
      }
      const prior = existing.get(parent);
      if (prior) {
        // Already noisy on its own: widen that item to its children instead of listing the program twice.
        prior.applyToChildren = true;
        prior.reason = `${prior.reason}; also ${reason}`;
        prior.user = prior.user === (act.userScope ?? '') ? prior.user : '';
        prior.risk = assessRisk({
          type: 'process',
          value: parent,
          isDirectory: false,
          applyToChildren: true,
          coversInterpreter: plan.coversInterpreter,
          formatUnconfirmed: formatUnconfirmed(parent),
        });
        continue;
      }
      items.push(makeItem('process', parent, false, act.userScope ?? '', true, plan.coversInterpreter, reason, evidence, formatUnconfirmed(parent)));
    }
  }

  // Last line of defence for privacy: no item may name a per-host account anywhere.
  const safe: ExclusionItem[] = [];
  for (const it of mergeSameExclusions(items)) {
    if (scrubber.mentionsName(it.value) || scrubber.mentionsName(it.reason)) {
      reject(scrubber.redact(it.value), 'would disclose a per-host user name; the path could not be generalized');
      continue;
    }
    safe.push(it);
  }

  // The cut goes by host breadth before volume (recommendation-rank.ts): one host's junk cannot crowd out the fleet's items.
  const { kept, dropped } = selectTopRecommendations(safe, cfg.maxItems);
  for (const it of dropped) reject(it.value, `ranked below the first ${cfg.maxItems} recommendations (by hosts, then volume)`);
  return { items: kept, rejected };
}

/** Said on a process item whose program no agent read as a binary. */
export const CONFIRM_BINARY = 'confirm Mach-O/ELF: no agent read this program file, and a #! script is never a process exclusion';

function makeItem(
  type: ExclusionType,
  value: string,
  isDirectory: boolean,
  user: string,
  applyToChildren: boolean,
  coversInterpreter: boolean,
  reason: string,
  evidence: ExclusionEvidence,
  formatUnconfirmed = false,
): ExclusionItem {
  const unconfirmed = formatUnconfirmed && type === 'process';
  return {
    type,
    value,
    isDirectory,
    user,
    applyToChildren,
    globalScopeEligible: isGlobalScopeEligible(type, value),
    reason: unconfirmed ? `${reason}; ${CONFIRM_BINARY}` : reason,
    risk: assessRisk({ type, value, isDirectory, applyToChildren, coversInterpreter, formatUnconfirmed: unconfirmed }),
    evidence,
  };
}

/**
 * One item per (type, value): a program can be noisy by executions, by files
 * scanned and as a parent of noisy children. The merged item keeps the
 * stronger evidence, every reason, the wider scope (children; blank user when
 * the users differ) and the risk of that scope.
 */
function mergeSameExclusions(items: ExclusionItem[]): ExclusionItem[] {
  const byKey = new Map<string, ExclusionItem>();
  const out: ExclusionItem[] = [];
  const score = (it: ExclusionItem) => it.evidence.prevalence * it.evidence.totalCount;
  for (const it of items) {
    const key = it.type + '\u0000' + it.value;
    const prior = byKey.get(key);
    if (!prior) {
      byKey.set(key, it);
      out.push(it);
      continue;
    }
    const more = prior.reason.includes(CONFIRM_BINARY) ? it.reason.replace(`; ${CONFIRM_BINARY}`, '') : it.reason;
    if (!prior.reason.includes(more)) prior.reason = `${prior.reason}; also ${more}`;
    if (score(it) > score(prior)) prior.evidence = { ...it.evidence, ...pickScan(prior.evidence) };
    else Object.assign(prior.evidence, pickScan(it.evidence));
    prior.applyToChildren ||= it.applyToChildren;
    prior.isDirectory ||= it.isDirectory;
    if (prior.user !== it.user) prior.user = '';
    const interpreter = prior.risk.flags.includes('interpreter') || it.risk.flags.includes('interpreter');
    const unconfirmed = prior.risk.flags.includes('format-unconfirmed') || it.risk.flags.includes('format-unconfirmed');
    prior.risk = assessRisk({
      type: prior.type,
      value: prior.value,
      isDirectory: prior.isDirectory,
      applyToChildren: prior.applyToChildren,
      coversInterpreter: interpreter,
      formatUnconfirmed: unconfirmed,
    });
  }
  return out;
}

/** The files-scanned evidence of an item, kept when the item merges with an exec-based one. */
function pickScan(e: ExclusionEvidence): Partial<ExclusionEvidence> {
  return e.filesScanned === undefined ? {} : { filesScanned: e.filesScanned, scanRank: e.scanRank };
}

function topParent(s: SubjectActivity): number | undefined {
  let best: number | undefined;
  let bestCount = -1;
  for (const [p, c] of s.parents) {
    if (c > bestCount || (c === bestCount && best !== undefined && p < best)) {
      best = p;
      bestCount = c;
    }
  }
  return best;
}

function isLogLike(path: string, suffixes: readonly string[]): boolean {
  const name = baseName(path).toLowerCase();
  return suffixes.some((s) => name.endsWith(s));
}

/** The smallest few host ids in one linear scan: sorting every affected host per item would dominate at fleet scale. */
function smallestHostIds(hosts: HostMarks, hostIds: readonly string[], scrubber: PerHostNameScrubber): string[] {
  const best: string[] = [];
  for (let k = 0; k < hosts.size; k++) {
    const id = hostIds[hosts.list[k]];
    if (best.length === MAX_SAMPLE_HOSTS && id >= best[MAX_SAMPLE_HOSTS - 1]) continue;
    if (scrubber.mentionsName(id)) continue;
    let i = best.length;
    while (i > 0 && best[i - 1] > id) i--;
    best.splice(i, 0, id);
    if (best.length > MAX_SAMPLE_HOSTS) best.pop();
  }
  return best;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Hosts grouped by independence key, counted without a Set per subject: the
 * same generation-stamp trick as HostMarks, over group indices.
 */
function independenceGroups(hostIds: readonly string[], keys: ReadonlyMap<string, string> | undefined) {
  if (!keys || keys.size === 0) return undefined;
  const groupIndex = new Map<string, number>();
  const groupOf = new Int32Array(hostIds.length);
  hostIds.forEach((id, h) => {
    const key = keys.get(id) ?? id;
    let g = groupIndex.get(key);
    if (g === undefined) groupIndex.set(key, (g = groupIndex.size));
    groupOf[h] = g;
  });
  const groups = new HostMarks(Math.max(groupIndex.size, 1));
  return {
    count(hosts: HostMarks): number {
      groups.reset();
      for (let k = 0; k < hosts.size; k++) groups.add(groupOf[hosts.list[k]]);
      return groups.size;
    },
  };
}

/**
 * A set of host indices that is cleared in O(1): a generation stamp per host
 * instead of a new Set per subject (a Set per subject of 10,000 hosts is most
 * of the job's time at fleet scale).
 */
class HostMarks {
  private readonly stamp: Int32Array;
  readonly list: Int32Array;
  private gen = 0;
  size = 0;

  constructor(hosts: number) {
    this.stamp = new Int32Array(hosts);
    this.list = new Int32Array(hosts);
  }

  reset(): void {
    this.gen++;
    this.size = 0;
  }

  add(h: number): void {
    if (this.stamp[h] === this.gen) return;
    this.stamp[h] = this.gen;
    this.list[this.size++] = h;
  }
}
