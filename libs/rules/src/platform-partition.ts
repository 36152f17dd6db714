import type { ExclusionEvidence, ExclusionItem, RecommendationResult, RejectedSubject } from './exclusion-item';
import { exclusionIdentityKey } from './exclusion-set-diff';
import { FleetActivityColumns, FleetActivityRow, FleetActivitySubject, isFleetActivityColumns, toFleetActivityColumns } from './fleet-activity-row';
import { recommendExclusions, RecommendOptions } from './recommend-exclusions';
import { HostScopedSuggestion, recommendWithHostSuggestions, RecommendationWithSuggestions } from './host-scoped-suggestions';

/** The platforms hosts enroll as (EnrollRequest.os). */
export type Platform = 'linux' | 'darwin';
export const PLATFORMS: readonly Platform[] = ['darwin', 'linux'];

export function isPlatform(s: unknown): s is Platform {
  return s === 'linux' || s === 'darwin';
}

const MAX_SUGGESTIONS = 200;

/** One platform's share of an item's evidence: prevalence is hosts of that platform over hosts of that platform. */
export interface PlatformEvidence {
  platform: string;
  hosts: number;
  hostsReporting: number;
  prevalence: number;
  totalCount: number;
}

/** Evidence of an item computed per platform (recommendExclusionsPerPlatform). */
export type PlatformScopedEvidence = ExclusionEvidence & {
  /** The platforms the item was recommended for, sorted. */
  platforms?: string[];
  byPlatform?: PlatformEvidence[];
};

export interface PerPlatformOptions extends Omit<RecommendOptions, 'hostsReporting'> {
  /** Host id -> its platform (hosts.os, known at enrollment). A host missing here counts as 'unknown'. */
  hostPlatforms: ReadonlyMap<string, string>;
  /** Hosts reporting per platform; default: the hosts of hostPlatforms with that platform (at least those in the rows). */
  hostsReportingByPlatform?: Readonly<Record<string, number>>;
}

/** The rows of `cols` for which `keep(row)` holds, with subjects and hosts renumbered. */
function subsetColumns(cols: FleetActivityColumns, keep: (row: number) => boolean): FleetActivityColumns {
  let n = 0;
  for (let i = 0; i < cols.rowCount; i++) if (keep(i)) n++;
  const subjects: FleetActivitySubject[] = [];
  const hostIds: string[] = [];
  const subjectMap = new Int32Array(cols.subjects.length).fill(-1);
  const hostMap = new Int32Array(cols.hostIds.length).fill(-1);
  const out: FleetActivityColumns = {
    subjects,
    hostIds,
    rowCount: n,
    subjectOfRow: new Int32Array(n),
    hostOfRow: new Int32Array(n),
    windowStartMs: new Float64Array(n),
    count: new Float64Array(n),
    peakCount: cols.peakCount ? new Float64Array(n) : undefined,
    peakWindowSeconds: cols.peakWindowSeconds ? new Float64Array(n) : undefined,
  };
  let j = 0;
  for (let i = 0; i < cols.rowCount; i++) {
    if (!keep(i)) continue;
    const s = cols.subjectOfRow[i];
    const h = cols.hostOfRow[i];
    if (s >= 0 && subjectMap[s] < 0) {
      subjectMap[s] = subjects.length;
      subjects.push(cols.subjects[s]);
    }
    if (h >= 0 && hostMap[h] < 0) {
      hostMap[h] = hostIds.length;
      hostIds.push(cols.hostIds[h]);
    }
    out.subjectOfRow[j] = s >= 0 ? subjectMap[s] : -1;
    out.hostOfRow[j] = h >= 0 ? hostMap[h] : -1;
    out.windowStartMs[j] = cols.windowStartMs[i];
    out.count[j] = cols.count[i];
    if (out.peakCount) out.peakCount[j] = cols.peakCount![i];
    if (out.peakWindowSeconds) out.peakWindowSeconds[j] = cols.peakWindowSeconds![i];
    j++;
  }
  return out;
}

const platformOf = (hostPlatforms: ReadonlyMap<string, string>, hostId: string) => {
  const p = hostPlatforms.get(hostId);
  return isPlatform(p) ? p : 'unknown';
};

/**
 * One recommendation set per platform (issue 19 item 5). A Mac's noise and a
 * Linux server's noise are different applications at different paths, and
 * the vendors' formats are per platform (mdatp_managed.json for Linux, the
 * com.microsoft.wdav plist for macOS, Cisco exclusion sets per operating
 * system), so the engine runs once per platform on that platform's hosts
 * only: prevalence is "3 of 3 Macs", not "3 of 6 hosts", and no Linux item
 * is made of Mac paths. An item recommended on both platforms (same type,
 * value and user) appears once, with each platform's evidence in
 * `evidence.byPlatform`; its top-level evidence is that of the platform
 * where it weighs most (prevalence x volume). A refusal names its platform
 * when the fleet has more than one.
 */
export function recommendExclusionsPerPlatform(input: readonly FleetActivityRow[] | FleetActivityColumns, options: PerPlatformOptions): RecommendationResult {
  const { items, rejected } = perPlatform(input, options, (cols, o) => ({ ...recommendExclusions(cols, o), suggestions: [] }));
  return { items, rejected };
}

/** recommendWithHostSuggestions per platform: the fleet items as above, and each platform's host-scoped suggestions. */
export function recommendWithHostSuggestionsPerPlatform(
  input: readonly FleetActivityRow[] | FleetActivityColumns,
  options: PerPlatformOptions,
): RecommendationWithSuggestions {
  return perPlatform(input, options, recommendWithHostSuggestions);
}

function perPlatform(
  input: readonly FleetActivityRow[] | FleetActivityColumns,
  options: PerPlatformOptions,
  engine: (cols: FleetActivityColumns, o: RecommendOptions) => RecommendationWithSuggestions,
): RecommendationWithSuggestions {
  const cols = isFleetActivityColumns(input) ? input : toFleetActivityColumns(input);
  const rowPlatform: string[] = cols.hostIds.map((h) => platformOf(options.hostPlatforms, h));
  const reporting: Record<string, number> = {};
  for (const [, p] of options.hostPlatforms) {
    const k = isPlatform(p) ? p : 'unknown';
    reporting[k] = (reporting[k] ?? 0) + 1;
  }
  const present = new Set<string>();
  for (let i = 0; i < cols.rowCount; i++) if (cols.hostOfRow[i] >= 0) present.add(rowPlatform[cols.hostOfRow[i]]);
  const platforms = [...present].sort();
  const several = platforms.length > 1;

  const byKey = new Map<string, Array<{ platform: string; item: ExclusionItem }>>();
  const rejected: RejectedSubject[] = [];
  const seenRejected = new Set<string>();
  const suggestions: HostScopedSuggestion[] = [];
  const seenSuggestions = new Set<string>();
  for (const p of platforms) {
    const part = platforms.length === 1 ? cols : subsetColumns(cols, (i) => cols.hostOfRow[i] >= 0 && rowPlatform[cols.hostOfRow[i]] === p);
    const hostsReporting = options.hostsReportingByPlatform?.[p] ?? reporting[p] ?? 0;
    const r = engine(part, { config: options.config, hostsReporting, independenceKeys: options.independenceKeys });
    for (const sg of r.suggestions) {
      const k = exclusionIdentityKey(sg);
      if (seenSuggestions.has(k) || suggestions.length >= MAX_SUGGESTIONS) continue;
      seenSuggestions.add(k);
      suggestions.push({ ...sg, evidence: { ...sg.evidence, platforms: [p] } as PlatformScopedEvidence });
    }
    for (const item of r.items) {
      const k = exclusionIdentityKey(item);
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push({ platform: p, item });
    }
    for (const rj of r.rejected) {
      const out = several ? { subject: rj.subject, why: `${rj.why} (${p})` } : rj;
      const k = `${out.subject}\u0000${out.why}`;
      if (seenRejected.has(k)) continue;
      seenRejected.add(k);
      rejected.push(out);
    }
  }

  const weight = (i: ExclusionItem) => i.evidence.prevalence * i.evidence.totalCount;
  const items: ExclusionItem[] = [];
  for (const list of byKey.values()) {
    const base = list.reduce((a, b) => (weight(b.item) > weight(a.item) ? b : a));
    const evidence: PlatformScopedEvidence = {
      ...base.item.evidence,
      platforms: list.map((x) => x.platform).sort(),
      byPlatform: list
        .map((x) => ({
          platform: x.platform,
          hosts: x.item.evidence.hosts,
          hostsReporting: x.item.evidence.hostsReporting,
          prevalence: x.item.evidence.prevalence,
          totalCount: x.item.evidence.totalCount,
        }))
        .sort((a, b) => (a.platform < b.platform ? -1 : 1)),
    };
    items.push({ ...base.item, evidence });
  }
  // The engine's own order within a platform (by weight); across platforms, by weight too.
  items.sort((a, b) => weight(b) - weight(a) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { items, rejected, suggestions };
}

/** Paths only a Mac has (for items stored without per-platform evidence). */
const DARWIN_PATH = /^\/(Users|Applications|Library|System|Volumes|private|cores)(\/|$)/;
/** Paths only a Linux host has. */
const LINUX_PATH = /^\/(home|proc|sys|run|snap|srv|boot|media|lib64|lib32)(\/|$)|^\/usr\/lib\/(x86_64|aarch64)-linux-gnu\//;

/**
 * The platforms an item is for: those its evidence names, else what its
 * path tells (a `/Users/...` path is a Mac's, `/home/...` a Linux host's),
 * else both (an extension, `/usr/bin/...`).
 */
export function itemPlatforms(item: { value: string; evidence?: unknown }): Platform[] {
  const named = (item.evidence as PlatformScopedEvidence | undefined)?.platforms;
  if (Array.isArray(named)) return named.filter(isPlatform);
  if (DARWIN_PATH.test(item.value)) return ['darwin'];
  if (LINUX_PATH.test(item.value)) return ['linux'];
  return [...PLATFORMS];
}

/** The items for one platform; every item when `platform` is undefined. */
export function itemsForPlatform<T extends { value: string; evidence?: unknown; platforms?: string[] }>(
  items: readonly T[],
  platform: Platform | undefined,
): T[] {
  if (!platform) return [...items];
  return items.filter((i) => (i.platforms ? i.platforms.includes(platform) : itemPlatforms(i).includes(platform)));
}
