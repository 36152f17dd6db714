import { CountBatch } from '@fleettune/proto';

export interface BatchLimits {
  maxRows: number;
  maxStringLength: number;
  maxWindowMs: number;
  /** How far in the future a window may end (clock skew allowance). */
  maxFutureMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxRows: 50_000,
  maxStringLength: 4096,
  maxWindowMs: 24 * 3600_000,
  maxFutureMs: 24 * 3600_000,
};

// 2000-01-01: anything older is a broken clock or a forged batch.
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
// PostgreSQL text cannot hold NUL; other control characters are legal in
// paths and are escaped where they are shown.
const FORBIDDEN = /\u0000/;

function checkCount(where: string, n: number, allowZero: boolean): string | undefined {
  if (!Number.isSafeInteger(n) || n < 0 || (!allowZero && n === 0)) return `${where}: count must be a ${allowZero ? 'non-negative' : 'positive'} integer`;
  return undefined;
}

function checkString(where: string, s: string, limits: BatchLimits, required: boolean): string | undefined {
  if (required && s.length === 0) return `${where}: must not be empty`;
  if (s.length > limits.maxStringLength) return `${where}: longer than ${limits.maxStringLength} characters`;
  if (FORBIDDEN.test(s)) return `${where}: contains a NUL character`;
  return undefined;
}

/** Returns the first problem with a batch, or undefined when it may be stored. */
export function findBatchProblem(batch: CountBatch, nowMs: number, limits: BatchLimits = DEFAULT_BATCH_LIMITS): string | undefined {
  if (!Number.isSafeInteger(batch.sequence) || batch.sequence < 1) return 'sequence must be a positive integer';
  if (!SOURCE_NAME.test(batch.source)) return 'source must match [a-z0-9-]{1,32}';
  const { windowStartMs: start, windowEndMs: end } = batch;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return 'window must have start < end';
  if (end - start > limits.maxWindowMs) return 'window is longer than allowed';
  if (start < EARLIEST_MS || end > nowMs + limits.maxFutureMs) return 'window is outside the accepted time range';
  for (const [name, v] of [['events', batch.events], ['skipped', batch.skipped], ['dropped', batch.dropped]] as const) {
    const p = checkCount(name, v, true);
    if (p) return p;
  }
  const rows = batch.execs.length + batch.files.length + batch.auditKeys.length + batch.syscalls.length;
  if (rows > limits.maxRows) return `batch has ${rows} rows, more than ${limits.maxRows}`;
  for (const [i, r] of batch.execs.entries()) {
    const p =
      checkString(`execs[${i}].path`, r.path, limits, true) ??
      checkString(`execs[${i}].parent_path`, r.parentPath, limits, false) ??
      checkString(`execs[${i}].user`, r.user, limits, false) ??
      checkCount(`execs[${i}]`, r.count, false);
    if (p) return p;
  }
  for (const [i, r] of batch.files.entries()) {
    const p =
      checkString(`files[${i}].path`, r.path, limits, true) ??
      checkString(`files[${i}].op`, r.op, limits, true) ??
      checkString(`files[${i}].process_path`, r.processPath, limits, false) ??
      checkCount(`files[${i}]`, r.count, false);
    if (p) return p;
  }
  for (const [list, rs] of [['audit_keys', batch.auditKeys], ['syscalls', batch.syscalls]] as const) {
    for (const [i, r] of rs.entries()) {
      const p = checkString(`${list}[${i}].name`, r.name, limits, true) ?? checkCount(`${list}[${i}]`, r.count, false);
      if (p) return p;
    }
  }
  return undefined;
}
