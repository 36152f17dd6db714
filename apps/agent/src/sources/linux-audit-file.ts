import type { ObservedEvent } from '@fleettune/counting';
import { PARALLEL_MIN_BYTES, readAuditFile } from '@fleettune/audit';
import type { SourceReadResult } from './event-source';

/** Regular linux-audit files at least this large are read on several threads (smaller ones read faster on one). */
export const LINUX_AUDIT_PARALLEL_MIN_BYTES = PARALLEL_MIN_BYTES;

/**
 * Reads a regular linux-audit log file with @fleettune/audit's parallel file
 * reader (exactly the sequential reader's result). Events come as a tally:
 * each distinct event once, with how many times it occurred, and without
 * timestamp or pids (per-host counters never look at them; the time span is
 * in the result). Stdin and followed files keep the streaming source.
 */
export async function readLinuxAuditFile(file: string, onEvents: (event: ObservedEvent, count: number) => void): Promise<SourceReadResult> {
  const r = await readAuditFile(file, { parallelMinBytes: 0 });
  for (const [event, count] of r.tally.events()) onEvents(event, count);
  return {
    events: r.stats.events,
    skipped: r.stats.skipped,
    skippedReasons: { ...r.stats.skippedReasons } as Record<string, number>,
    firstTimestampMs: r.stats.firstTimestampMs,
    lastTimestampMs: r.stats.lastTimestampMs,
  };
}
