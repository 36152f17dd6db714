import { LiveAuditCounter } from './live-audit-counter';
import { DEFAULT_GRACE_MS } from './live-audit-follower';
import { countLiveStream } from './live-stream';
import type { WindowSink } from './window-sink';

export interface AudispStreamOptions {
  source: string;
  windowMs: number;
  sink: WindowSink;
  graceMs?: number;
  quietMs?: number;
  /** How often a quiet input is checked for windows complete by the wall clock. */
  tickMs?: number;
  now?: () => number;
  /** Called after windows were appended (to wake the uplink). */
  onWindows?: (n: number) => void;
}

/**
 * auditd plugin mode: audit records arrive on stdin (auditd's `format =
 * string`: one record per line, as in audit.log, EOE included). Windows are
 * appended as they complete; at end of input (or stop()) everything left
 * is. There is no checkpoint: auditd owns the stream position.
 */
export async function countAudispStream(chunks: AsyncIterable<Buffer>, o: AudispStreamOptions): Promise<{ windows: number; events: number; skipped: number }> {
  const counter = new LiveAuditCounter({ source: o.source, windowMs: o.windowMs, graceMs: o.graceMs ?? DEFAULT_GRACE_MS });
  // Same window handling as any stream that cannot be replayed (stdin destroyed on SIGTERM ends it normally).
  const { windows } = await countLiveStream(chunks, counter, { sink: o.sink, quietMs: o.quietMs, tickMs: o.tickMs, now: o.now, onWindows: o.onWindows });
  const st = counter.reader.stats;
  return { windows, events: st.events, skipped: st.skipped };
}
