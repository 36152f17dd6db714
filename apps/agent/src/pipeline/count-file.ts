import * as fs from 'node:fs';
import { AuditLogReader } from '@fleettune/audit';
import { WindowAggregator, WindowCounts } from '@fleettune/counting';

export const SUPPORTED_RUN_SOURCES = ['linux-audit'];

export interface CountedRange {
  windows: WindowCounts[];
  /** Where the next read starts: just past the last complete line counted. */
  endOffset: number;
  events: number;
  skipped: number;
}

/**
 * Counts `file` from `startOffset` into windows (one-shot; `run` follows
 * files with ../live/live-audit-follower instead). A last line without its
 * newline is left for the next read (a writer may be halfway through it)
 * unless `includePartialLastLine` says the file is complete.
 */
export async function countFileIntoWindows(
  source: string,
  file: string,
  startOffset: number,
  windowMs: number,
  includePartialLastLine = true,
): Promise<CountedRange> {
  if (!SUPPORTED_RUN_SOURCES.includes(source)) {
    throw new Error(`source ${source} cannot be streamed yet; supported: ${SUPPORTED_RUN_SOURCES.join(', ')}`);
  }
  const aggregator = new WindowAggregator({ source, windowMs });
  const reader = new AuditLogReader((e) => aggregator.add(e), { onSkip: () => aggregator.addSkipped() });
  let read = startOffset;
  for await (const chunk of fs.createReadStream(file, { start: startOffset, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    reader.push(chunk);
    read += chunk.length;
  }
  // The reader holds an unterminated last line itself, bounded by its line limit (1 MiB).
  const endOffset = includePartialLastLine ? read : read - reader.pendingLineBytes;
  const stats = reader.end(includePartialLastLine);
  return { windows: aggregator.flushAll(), endOffset, events: stats.events, skipped: stats.skipped };
}
