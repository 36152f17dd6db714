import { CountBatch, ExecCount, programFormatFromWire, programFormatToWire } from '@fleettune/proto';
import { mergeProgramFormats, WindowCounts } from '@fleettune/counting';

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
    execs: w.execs.map((r) => ({
      path: r.path,
      parentPath: r.parentPath,
      user: r.user,
      count: r.count,
      ...(r.format ? { programFormat: programFormatToWire(r.format) } : {}),
    })),
    files: w.files.map((r) => ({ path: r.path, op: r.op, processPath: r.processPath, count: r.count })),
    auditKeys: w.keys.map((r) => ({ name: r.name, count: r.count })),
    syscalls: w.syscalls.map((r) => ({ name: r.name, count: r.count })),
    initiators: (w.initiators ?? []).map((r) => ({ name: r.name, count: r.count })),
    hostCost: [],
  };
}

/**
 * Two exec rows of one key become one (windows merged, user parts redacted):
 * counts add up, and the program format is the stronger reading (a script
 * seen in either is a script; unknown only when both are): libs/counting
 * mergeProgramFormats.
 */
export function mergeExecRows(a: ExecCount, b: ExecCount): ExecCount {
  const format = mergeProgramFormats(programFormatFromWire(a.programFormat), programFormatFromWire(b.programFormat));
  return {
    path: a.path,
    parentPath: a.parentPath,
    user: a.user,
    count: a.count + b.count,
    ...(format ? { programFormat: programFormatToWire(format) } : {}),
  };
}
