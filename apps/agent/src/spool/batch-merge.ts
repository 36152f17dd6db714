import { CountBatch, HostCostWindow, HostCostWindow_Product } from '@fleettune/proto';
import { mergeExecRows } from '../uplink/window-batch';
import { mergeRowsByKey } from './merge-rows-by-key';

/**
 * What the hub accepts in one batch (apps/hub count-batch-validator and the
 * gRPC size limit): a merge that would break one of these is not made, since
 * a refused batch would be set aside by the uplink and its counts lost.
 */
export interface MergeLimits {
  maxWindowMs: number;
  maxRows: number;
  /** Encoded CountBatch bytes. */
  maxBatchBytes: number;
  /** host_cost windows one batch may carry before neighbours are coalesced. */
  maxCostWindows: number;
}

export const DEFAULT_MERGE_LIMITS: MergeLimits = {
  maxWindowMs: 24 * 3600_000,
  maxRows: 50_000,
  maxBatchBytes: 2 * 1024 * 1024,
  maxCostWindows: 500,
};

export function rowCount(b: CountBatch): number {
  return b.execs.length + b.files.length + b.auditKeys.length + b.syscalls.length + (b.initiators?.length ?? 0);
}

export function encodedBytes(b: CountBatch): number {
  return CountBatch.encode(b).finish().length;
}

/** Whether two batches may become one: same host and source, and the union window stays acceptable. */
export function mayMerge(a: CountBatch, b: CountBatch, limits: MergeLimits = DEFAULT_MERGE_LIMITS): boolean {
  // A redacted batch never absorbs an unredacted one: its flag would then vouch for user names it carries.
  if (a.hostId !== b.hostId || a.source !== b.source || Boolean(a.usersRedacted) !== Boolean(b.usersRedacted)) return false;
  const span = Math.max(a.windowEndMs, b.windowEndMs) - Math.min(a.windowStartMs, b.windowStartMs);
  // The row sum is an upper bound of the merged rows, so the check is cheap and safe.
  return span <= limits.maxWindowMs && rowCount(a) + rowCount(b) <= limits.maxRows;
}

function sumBy<T>(rows: readonly T[], key: (r: T) => string, count: (r: T) => number, rebuild: (r: T, n: number) => T): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    const prev = out.get(k);
    out.set(k, rebuild(prev ?? r, (prev ? count(prev) : 0) + count(r)));
  }
  return [...out.values()];
}

/**
 * One coarser batch with every count of both: the window spans both, per-key
 * counts and events/skipped/dropped are summed, cost windows are kept. It
 * takes the higher sequence, so the spool's last sequence never moves back.
 */
export function mergeBatches(a: CountBatch, b: CountBatch, limits: MergeLimits = DEFAULT_MERGE_LIMITS): CountBatch {
  const k = (...parts: string[]) => JSON.stringify(parts);
  return {
    hostId: a.hostId,
    sequence: Math.max(a.sequence, b.sequence),
    source: a.source,
    windowStartMs: Math.min(a.windowStartMs, b.windowStartMs),
    windowEndMs: Math.max(a.windowEndMs, b.windowEndMs),
    events: a.events + b.events,
    skipped: a.skipped + b.skipped,
    dropped: a.dropped + b.dropped,
    // Program formats merge too: a script in either window stays a script (window-batch.ts mergeExecRows).
    execs: mergeRowsByKey([...a.execs, ...b.execs], (r) => k(r.path, r.parentPath, r.user), mergeExecRows),
    files: sumBy(
      [...a.files, ...b.files],
      (r) => k(r.path, r.op, r.processPath),
      (r) => r.count,
      (r, count) => ({ ...r, count }),
    ),
    auditKeys: sumBy(
      [...a.auditKeys, ...b.auditKeys],
      (r) => r.name,
      (r) => r.count,
      (r, count) => ({ ...r, count }),
    ),
    syscalls: sumBy(
      [...a.syscalls, ...b.syscalls],
      (r) => r.name,
      (r) => r.count,
      (r, count) => ({ ...r, count }),
    ),
    // Batches spooled by an agent before initiators existed decode with none.
    initiators: sumBy(
      [...(a.initiators ?? []), ...(b.initiators ?? [])],
      (r) => r.name,
      (r) => r.count,
      (r, count) => ({ ...r, count }),
    ),
    hostCost: boundCostWindows([...(a.hostCost ?? []), ...(b.hostCost ?? [])], limits.maxCostWindows),
    ...(a.usersRedacted && b.usersRedacted ? { usersRedacted: true } : {}),
  };
}

/**
 * What is left of a batch the spool had to drop: its sequence, source,
 * window and counters, with its events moved to `dropped` and its per-key
 * rows gone. Sent in place of the batch, it tells the hub exactly how many
 * events were lost and when (skipped lines stay skipped, cost windows stay).
 */
export function dropRows(b: CountBatch): CountBatch {
  return { ...b, events: 0, dropped: b.dropped + b.events, execs: [], files: [], auditKeys: [], syscalls: [], initiators: [] };
}

export function isDropRecord(b: CountBatch): boolean {
  return b.events === 0 && rowCount(b) === 0;
}

function mergeProducts(a: readonly HostCostWindow_Product[], b: readonly HostCostWindow_Product[]): HostCostWindow_Product[] {
  const out = new Map<string, HostCostWindow_Product>();
  for (const p of [...a, ...b]) {
    const key = JSON.stringify([p.name, p.product]);
    const q = out.get(key);
    out.set(
      key,
      q
        ? {
            ...q,
            cpuMs: q.cpuMs + p.cpuMs,
            peakRssKb: Math.max(q.peakRssKb, p.peakRssKb),
            peakHwmKb: Math.max(q.peakHwmKb, p.peakHwmKb),
            processes: Math.max(q.processes, p.processes),
          }
        : { ...p },
    );
  }
  return [...out.values()];
}

/**
 * Two sampling windows as one: CPU time, samples and coverage add up (so CPU
 * percent stays cpu_ms / covered_ms), peaks take the maximum, auditd deltas
 * add up and its point-in-time state is the later window's.
 */
export function mergeCostWindows(a: HostCostWindow, b: HostCostWindow): HostCostWindow {
  const [early, late] = a.windowStartMs <= b.windowStartMs ? [a, b] : [b, a];
  const ea = early.auditd;
  const la = late.auditd;
  return {
    windowStartMs: early.windowStartMs,
    windowEndMs: Math.max(a.windowEndMs, b.windowEndMs),
    samples: a.samples + b.samples,
    coveredMs: a.coveredMs + b.coveredMs,
    products: mergeProducts(early.products, late.products),
    auditd:
      ea && la
        ? {
            ...la,
            lostDelta: ea.lostDelta + la.lostDelta,
            backlogMax: Math.max(ea.backlogMax, la.backlogMax),
            backlogWaitActualDelta: ea.backlogWaitActualDelta + la.backlogWaitActualDelta,
            hasLog: ea.hasLog && la.hasLog,
            logBytes: ea.logBytes + la.logBytes,
            logRotations: ea.logRotations + la.logRotations,
          }
        : (la ?? ea),
  };
}

/** Keeps at most `max` cost windows (time order) by coalescing neighbours pairwise. */
export function boundCostWindows(windows: HostCostWindow[], max: number): HostCostWindow[] {
  let out = [...windows].sort((x, y) => x.windowStartMs - y.windowStartMs);
  while (out.length > Math.max(1, max)) {
    const next: HostCostWindow[] = [];
    for (let i = 0; i < out.length; i += 2) next.push(i + 1 < out.length ? mergeCostWindows(out[i], out[i + 1]) : out[i]);
    out = next;
  }
  return out;
}
