import type { WindowCounts } from '@fleettune/counting';
import type { LiveCounter } from './live-counter';
import { DEFAULT_QUIET_MS } from './live-file-follower';
import { batchesOf, WindowSink } from './window-sink';

export interface LiveStreamOptions {
  sink: WindowSink;
  quietMs?: number;
  /** How often a quiet stream is checked for windows complete by the wall clock. */
  tickMs?: number;
  now?: () => number;
  /** Called after windows were appended (to wake the uplink). */
  onWindows?: (n: number) => void;
}

/**
 * Counts a stream that cannot be replayed (a spawned fatrace or eslogger):
 * windows are appended to the sink as they complete, and every window still
 * open when the stream ends (the tool stopped, the agent is stopping) is
 * appended then. So what was read is counted once; what a crash (SIGKILL)
 * leaves in open windows is lost, as the tool's output cannot be read again.
 */
export async function countLiveStream(chunks: AsyncIterable<Buffer>, counter: LiveCounter, o: LiveStreamOptions): Promise<{ windows: number; bytes: number }> {
  const quietMs = o.quietMs ?? DEFAULT_QUIET_MS;
  const now = o.now ?? Date.now;
  let sent = 0;
  let bytes = 0;
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
      bytes += chunk.length;
      lastDataAt = now();
      emit(counter.takeComplete());
    }
  } catch (err) {
    // The stream destroyed on stop: end normally.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  } finally {
    clearInterval(timer);
    emit(counter.end(true));
  }
  return { windows: sent, bytes };
}
