import { AgentStatus, CountBatch, ProgramFormat, programFormatFromWire } from '@fleettune/proto';

export interface BatchLimits {
  maxRows: number;
  maxStringLength: number;
  maxWindowMs: number;
  /** How far in the future a window may end (clock skew allowance). */
  maxFutureMs: number;
  /**
   * Largest count of one row, and of all rows of a batch together (and of
   * events/skipped/dropped): rollups sum counts over hosts and hours in
   * bigint, and a hostile agent must not be able to overflow those sums.
   */
  maxCount: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxRows: 50_000,
  maxStringLength: 4096,
  maxWindowMs: 24 * 3600_000,
  maxFutureMs: 24 * 3600_000,
  // 1e12 events in one window is ~10^7 per second for a day: far above any
  // real host, while 9.2e18 (bigint) / 1e12 leaves room for 9 million batches.
  maxCount: 1e12,
};

/** Bounds of an AgentStatus: generous for any real agent, small enough for bigint sums over the fleet. */
const MAX_STATUS_VALUE = 1e15;
const MAX_DEGRADE_LEVEL = 1000;
const MAX_PAUSED_SOURCES = 32;
/** CPU percent of one core: 100 per core, so this allows 10 000 cores. */
const MAX_CPU_PERCENT = 1e6;

// 2000-01-01: anything older is a broken clock or a forged batch.
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
// PostgreSQL text cannot hold NUL; other control characters are legal in
// paths and are escaped where they are shown.
const FORBIDDEN = /\u0000/;

function checkCount(where: string, n: number, allowZero: boolean, max: number): string | undefined {
  if (!Number.isSafeInteger(n) || n < 0 || (!allowZero && n === 0)) return `${where}: count must be a ${allowZero ? 'non-negative' : 'positive'} integer`;
  if (n > max) return `${where}: count ${n} is larger than the allowed ${max}`;
  return undefined;
}

/** The first problem with a batch's agent_status, or undefined (absent = fine: older agents). */
export function findAgentStatusProblem(st: AgentStatus | undefined): string | undefined {
  if (!st) return undefined;
  const counters = [
    ['spool_pending_batches', st.spoolPendingBatches],
    ['spool_bytes', st.spoolBytes],
    ['spool_bound_bytes', st.spoolBoundBytes],
    ['dropped_batches_total', st.droppedBatchesTotal],
    ['dropped_events_total', st.droppedEventsTotal],
    ['merges_total', st.mergesTotal],
    ['rejected_batches_total', st.rejectedBatchesTotal],
    ['rss_bytes', st.rssBytes],
  ] as const;
  for (const [name, v] of counters) {
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_STATUS_VALUE) return `agent_status.${name}: must be an integer from 0 to ${MAX_STATUS_VALUE}`;
  }
  if (!Number.isSafeInteger(st.degradeLevel) || st.degradeLevel < 0 || st.degradeLevel > MAX_DEGRADE_LEVEL)
    return `agent_status.degrade_level: must be an integer from 0 to ${MAX_DEGRADE_LEVEL}`;
  if (!Number.isFinite(st.cpuPercent) || st.cpuPercent < 0 || st.cpuPercent > MAX_CPU_PERCENT)
    return `agent_status.cpu_percent: must be a number from 0 to ${MAX_CPU_PERCENT}`;
  if (st.pausedSources.length > 1024) return 'agent_status.paused_sources: more than 1024 names';
  return undefined;
}

/**
 * Paused source names as stored and shown: only well-formed source names,
 * each once, at most MAX_PAUSED_SOURCES. A malformed name is informational,
 * so it is left out rather than refusing the batch and its counts.
 */
export function sanitizedPausedSources(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => SOURCE_NAME.test(n)))].slice(0, MAX_PAUSED_SOURCES);
}

const MAX_INPUT_WARNINGS = 32;
const MAX_INPUT_WARNING_CHARS = 512;

/**
 * Input warnings as stored and shown (informational, like paused sources):
 * control characters replaced, each cut to 512 characters, at most 32, each
 * once. Never a reason to refuse the batch and its counts.
 */
export function sanitizedInputWarnings(warnings: readonly string[] | undefined): string[] {
  const clean = (w: string) => w.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_INPUT_WARNING_CHARS);
  return [...new Set((warnings ?? []).map(clean).filter((w) => w.trim() !== ''))].slice(0, MAX_INPUT_WARNINGS);
}

function checkString(where: string, s: string, limits: BatchLimits, required: boolean): string | undefined {
  if (required && s.length === 0) return `${where}: must not be empty`;
  if (s.length > limits.maxStringLength) return `${where}: longer than ${limits.maxStringLength} characters`;
  if (FORBIDDEN.test(s)) return `${where}: contains a NUL character`;
  return undefined;
}

/** Agent batch sequences stay below this (2^40). */
export const MAX_AGENT_SEQUENCE = 2 ** 40;

/** A row's text fields as checked, in order: wire name, value, whether it may not be empty. */
type RowFields<R> = ReadonlyArray<readonly [field: string, value: (row: R) => string, required: boolean]>;

const EXEC_FIELDS: RowFields<CountBatch['execs'][number]> = [
  ['path', (r) => r.path, true],
  ['parent_path', (r) => r.parentPath, false],
  ['user', (r) => r.user, false],
];
const FILE_FIELDS: RowFields<CountBatch['files'][number]> = [
  ['path', (r) => r.path, true],
  ['op', (r) => r.op, true],
  ['process_path', (r) => r.processPath, false],
];
const NAME_FIELDS: RowFields<{ name: string }> = [['name', (r) => r.name, true]];

/** The first problem among one list's rows: each row's text fields in order, then its count. */
function rowsProblem<R extends { count: number }>(list: string, rows: readonly R[], fields: RowFields<R>, limits: BatchLimits): string | undefined {
  for (const [i, r] of rows.entries()) {
    for (const [field, value, required] of fields) {
      const p = checkString(`${list}[${i}].${field}`, value(r), limits, required);
      if (p) return p;
    }
    const p = checkCount(`${list}[${i}]`, r.count, false, limits.maxCount);
    if (p) return p;
  }
  return undefined;
}

/** Returns the first problem with a batch, or undefined when it may be stored. */
export function findBatchProblem(batch: CountBatch, nowMs: number, limits: BatchLimits = DEFAULT_BATCH_LIMITS): string | undefined {
  // Below 2^40: each agent of a host stores its sequences in its own 2^40 range (enrollment.repository.ts).
  if (!Number.isSafeInteger(batch.sequence) || batch.sequence < 1 || batch.sequence >= MAX_AGENT_SEQUENCE) {
    return 'sequence must be a positive integer below 2^40';
  }
  if (!SOURCE_NAME.test(batch.source)) return 'source must match [a-z0-9-]{1,32}';
  const { windowStartMs: start, windowEndMs: end } = batch;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return 'window must have start < end';
  if (end - start > limits.maxWindowMs) return 'window is longer than allowed';
  if (start < EARLIEST_MS || end > nowMs + limits.maxFutureMs) return 'window is outside the accepted time range';
  for (const [name, v] of [
    ['events', batch.events],
    ['skipped', batch.skipped],
    ['dropped', batch.dropped],
  ] as const) {
    const p = checkCount(name, v, true, limits.maxCount);
    if (p) return p;
  }
  const initiators = batch.initiators ?? [];
  const rows = batch.execs.length + batch.files.length + batch.auditKeys.length + batch.syscalls.length + initiators.length;
  if (rows > limits.maxRows) return `batch has ${rows} rows, more than ${limits.maxRows}`;
  const max = limits.maxCount;
  const rowProblem =
    rowsProblem('execs', batch.execs, EXEC_FIELDS, limits) ??
    rowsProblem('files', batch.files, FILE_FIELDS, limits) ??
    rowsProblem('audit_keys', batch.auditKeys, NAME_FIELDS, limits) ??
    rowsProblem('syscalls', batch.syscalls, NAME_FIELDS, limits) ??
    rowsProblem('initiators', initiators, NAME_FIELDS, limits);
  if (rowProblem) return rowProblem;
  // Each row is at most maxCount (checked above) and rows at most maxRows, so this sum stays exact.
  let total = 0;
  for (const rs of [batch.execs, batch.files, batch.auditKeys, batch.syscalls, initiators]) for (const r of rs) total += r.count;
  if (total > max) return `the batch's row counts add up to ${total}, more than the allowed ${max} per batch`;
  return findAgentStatusProblem(batch.agentStatus);
}

/**
 * Exec rows whose program_format this hub does not know (a newer or hostile
 * agent; UNSPECIFIED is "not said" and not counted). The format is
 * informational, like paused sources: such a row is stored with its format
 * unknown (NULL, which the engine marks "confirm Mach-O/ELF"), never a reason
 * to refuse the batch and its counts. Counted in
 * fleettune_ingest_unknown_program_formats_total.
 */
export function unknownProgramFormats(batch: Pick<CountBatch, 'execs'>): number {
  let n = 0;
  for (const r of batch.execs) {
    const v = r.programFormat;
    if (v !== undefined && v !== ProgramFormat.PROGRAM_FORMAT_UNSPECIFIED && programFormatFromWire(v) === undefined) n++;
  }
  return n;
}
