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
 * Counts `file` from `startOffset` into windows. A last line without its
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
  let consumed = startOffset;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { start: startOffset, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const nl = chunk.lastIndexOf(0x0a);
    if (nl < 0) {
      tail = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      continue;
    }
    if (tail.length) reader.push(tail);
    reader.push(chunk.subarray(0, nl + 1));
    consumed += tail.length + nl + 1;
    tail = chunk.subarray(nl + 1);
  }
  if (includePartialLastLine && tail.length) {
    reader.push(tail);
    consumed += tail.length;
  }
  const stats = reader.end();
  return { windows: aggregator.flushAll(), endOffset: consumed, events: stats.events, skipped: stats.skipped };
}
