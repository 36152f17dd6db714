import { DenseIndex } from './dense-index';

/**
 * One fleet rollup row: the hub's SQL produces these from stored window
 * counts. Rows may come at any window length not longer than the evaluation
 * window; the engine re-buckets them into epoch-aligned evaluation windows.
 *
 * - `file`: file operations on `path` (create/modify/rename...), the AV scan noise.
 * - `exec`: executions of `path`, started by `parentPath`.
 * - `audit-exe`: audit records whose initiator is the executable `path`.
 * - `audit-path`: audit records about `path` (a file; its directory is the exclusion subject).
 * - `audit-dir`: audit records about files in the directory `path` (already summed per directory).
 * - `scan`: files Defender's real-time protection scanned for the process `path`
 *   (mdatp real-time-protection-statistics; count = files scanned).
 */
export type FleetActivityKind = 'file' | 'exec' | 'audit-exe' | 'audit-path' | 'audit-dir' | 'scan';

export interface FleetActivitySubject {
  kind: FleetActivityKind;
  path: string;
  /** exec: the parent executable, '' or absent when unknown. */
  parentPath?: string;
  /** User name as reported, or the numeric uid as text. */
  user?: string;
  /** Numeric uid when known; decides whether a named user is a system account. */
  uid?: number;
  /**
   * exec / scan / audit-exe: the program file's format as the agent read it from its first bytes
   * (apps/agent/src/report/executable-format.ts). Absent, `other` or `unreadable`: unknown.
   */
  programFormat?: ProgramFileFormat;
}

/** What a program file is, from its magic bytes: a process exclusion only holds for a binary (Cisco: Mach-O only). */
export type ProgramFileFormat = 'elf' | 'mach-o' | 'script' | 'other' | 'unreadable';

export interface FleetActivityRow extends FleetActivitySubject {
  hostId: string;
  windowStartMs: number;
  count: number;
  /**
   * Length of the agent window this row's count covers, when the row is one
   * agent window (agents send 60 s windows). Short windows reveal bursts that
   * a 20-minute average hides.
   */
  windowSeconds?: number;
  /**
   * For a row that sums several agent windows (a hub rollup bin): the largest
   * count in one of them, and that window's length in seconds.
   */
  peakCount?: number;
  peakWindowSeconds?: number;
  /**
   * First and last moment of activity the row covers (its first agent window's start and last
   * one's end); a row with `windowSeconds` covers [windowStartMs, windowStartMs + windowSeconds].
   * Rates are judged over this span: an 18-minute capture is 18 minutes, not a 20-minute block.
   */
  activeStartMs?: number;
  activeEndMs?: number;
}

/**
 * The same input as columns: one entry per distinct subject and host, and
 * typed arrays per row. The hub reads millions of rollup rows; as columns
 * they cost a few bytes each instead of one heap object each.
 */
export interface FleetActivityColumns {
  subjects: readonly FleetActivitySubject[];
  hostIds: readonly string[];
  rowCount: number;
  subjectOfRow: Int32Array;
  hostOfRow: Int32Array;
  windowStartMs: Float64Array;
  count: Float64Array;
  /** Largest count of one short agent window within the row; 0 when unknown. */
  peakCount?: Float64Array;
  /** Length in seconds of that agent window; 0 when unknown. */
  peakWindowSeconds?: Float64Array;
  /** First / last moment of activity within the row, epoch ms; NaN when unknown. */
  activeStartMs?: Float64Array;
  activeEndMs?: Float64Array;
}

export function isFleetActivityColumns(x: unknown): x is FleetActivityColumns {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && (x as FleetActivityColumns).subjectOfRow instanceof Int32Array;
}

/**
 * Columns for `n` rows over these subjects and hosts, every row still unset:
 * subject and host -1 (a row left so is skipped), counts 0, active bounds NaN
 * (unknown). The caller fills the rows (toFleetActivityColumns, the hub's rollup decoder).
 */
export function allocFleetActivityColumns(subjects: readonly FleetActivitySubject[], hostIds: readonly string[], n: number): Required<FleetActivityColumns> {
  return {
    subjects,
    hostIds,
    rowCount: n,
    subjectOfRow: new Int32Array(n).fill(-1),
    hostOfRow: new Int32Array(n).fill(-1),
    windowStartMs: new Float64Array(n),
    count: new Float64Array(n),
    peakCount: new Float64Array(n),
    peakWindowSeconds: new Float64Array(n),
    activeStartMs: new Float64Array(n).fill(NaN),
    activeEndMs: new Float64Array(n).fill(NaN),
  };
}

/** Interns subjects and hosts of row objects into columns. Invalid rows get subject -1. */
export function toFleetActivityColumns(rows: readonly FleetActivityRow[]): FleetActivityColumns {
  const n = rows.length;
  const subjects: FleetActivitySubject[] = [];
  const subjectIndex = new Map<string, number>();
  const hosts = new DenseIndex<string>();
  const cols = allocFleetActivityColumns(subjects, hosts.keys, n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!r || typeof r.path !== 'string' || typeof r.hostId !== 'string' || r.hostId === '') continue;
    const key = `${r.kind}\u0000${r.path}\u0000${r.parentPath ?? ''}\u0000${r.user ?? ''}\u0000${r.uid ?? ''}\u0000${r.programFormat ?? ''}`;
    let s = subjectIndex.get(key);
    if (s === undefined) {
      s = subjects.length;
      subjectIndex.set(key, s);
      subjects.push({ kind: r.kind, path: r.path, parentPath: r.parentPath, user: r.user, uid: r.uid, programFormat: r.programFormat });
    }
    cols.subjectOfRow[i] = s;
    cols.hostOfRow[i] = hosts.idOf(r.hostId);
    cols.windowStartMs[i] = r.windowStartMs;
    cols.count[i] = r.count;
    const seconds = r.peakWindowSeconds ?? r.windowSeconds ?? 0;
    cols.peakWindowSeconds[i] = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    const peak = r.peakCount ?? (r.windowSeconds ? r.count : 0);
    cols.peakCount[i] = Number.isFinite(peak) && peak > 0 ? peak : 0;
    const start = r.activeStartMs ?? (r.windowSeconds ? r.windowStartMs : NaN);
    const end = r.activeEndMs ?? (r.windowSeconds ? r.windowStartMs + r.windowSeconds * 1000 : NaN);
    if (Number.isFinite(start) && Number.isFinite(end) && end >= start) {
      cols.activeStartMs[i] = start;
      cols.activeEndMs[i] = end;
    }
  }
  return cols;
}
