import { CountBatch } from '@fleettune/proto';
import { WindowCounts } from '@fleettune/counting';

/** A window's counts as the wire message the spool stores (sequence assigned by the spool). */
export function windowToBatch(hostId: string, w: WindowCounts, dropped = 0): Omit<CountBatch, 'sequence'> {
  return {
    hostId,
    source: w.source,
    windowStartMs: w.windowStartMs,
    windowEndMs: w.windowEndMs,
    events: w.events,
    skipped: w.skipped,
    dropped,
    execs: w.execs.map((r) => ({ path: r.path, parentPath: r.parentPath, user: r.user, count: r.count })),
    files: w.files.map((r) => ({ path: r.path, op: r.op, processPath: r.processPath, count: r.count })),
    auditKeys: w.keys.map((r) => ({ name: r.name, count: r.count })),
    syscalls: w.syscalls.map((r) => ({ name: r.name, count: r.count })),
    initiators: (w.initiators ?? []).map((r) => ({ name: r.name, count: r.count })),
    hostCost: [],
  };
}
