import type { WindowCounts } from '@fleettune/counting';
import { LiveAuditCounter } from './live-audit-counter';
import { DEFAULT_GRACE_MS, DEFAULT_QUIET_MS } from './live-audit-follower';
import { batchesOf, WindowSink } from './window-sink';

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
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const quietMs = o.quietMs ?? DEFAULT_QUIET_MS;
  const now = o.now ?? Date.now;
  const counter = new LiveAuditCounter({ source: o.source, windowMs: o.windowMs, graceMs });
  let sent = 0;
  let lastDataAt = now();
  const emit = (ws: WindowCounts[]) => {
    for (const b of batchesOf(ws)) o.sink.append(b);
    sent += ws.length;
    if (ws.length) o.onWindows?.(ws.length);
  };
  const timer = setInterval(() => {
    if (now() - lastDataAt >= quietMs) emit(counter.takeComplete(now()));
  }, o.tickMs ?? 1000);
  timer.unref();
  try {
    for await (const chunk of chunks) {
      counter.push(chunk);
      lastDataAt = now();
      emit(counter.takeComplete());
    }
  } catch (err) {
    // stdin destroyed on SIGTERM (auditd stopping the plugin): end normally.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  } finally {
    clearInterval(timer);
    emit(counter.end(true));
  }
  const st = counter.reader.stats;
  return { windows: sent, events: st.events, skipped: st.skipped };
}
