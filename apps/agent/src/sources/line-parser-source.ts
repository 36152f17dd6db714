import * as fs from 'node:fs';
import type { ObservedEvent } from '@fleettune/counting';
import type { EventSource, SourceReadResult } from './event-source';

/** What the line parsers of libs/fanotify, libs/eslogger and libs/tracers share. */
export interface LineParserLike {
  push(chunk: Buffer): void;
  end(): {
    events: number;
    skipped: number;
    skippedReasons: Record<string, number>;
    firstTimestampMs?: number;
    lastTimestampMs?: number;
  };
}

/**
 * The day time-of-day stamps (`fatrace -t`, `execsnoop -T`) belong to: the
 * input file's mtime (the recording ended then) when the chunks come from a
 * file, else undefined (now: live or stdin).
 */
export async function recordingDateOf(chunks: AsyncIterable<Buffer>): Promise<number | undefined> {
  const p = (chunks as { path?: unknown }).path;
  if (typeof p !== 'string') return undefined;
  try {
    return (await fs.promises.stat(p)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Pushes every chunk through `parser` (reporting bytes for progress) and
 * returns its end-of-input tally: the read of every push-parser source, the
 * line parsers' and the audit log reader's alike.
 */
export async function readThroughParser(parser: LineParserLike, chunks: AsyncIterable<Buffer>, onBytes?: (bytes: number) => void): Promise<SourceReadResult> {
  for await (const chunk of chunks) {
    parser.push(chunk);
    onBytes?.(chunk.length);
  }
  const s = parser.end();
  return {
    events: s.events,
    skipped: s.skipped,
    skippedReasons: { ...s.skippedReasons },
    firstTimestampMs: s.firstTimestampMs,
    lastTimestampMs: s.lastTimestampMs,
  };
}

/** An EventSource reading a byte stream through one of the line parsers. */
export function lineParserSource(
  name: string,
  description: string,
  make: (onEvent: (event: ObservedEvent) => void, onSkip: ((reason: string) => void) | undefined, baseDateMs: number | undefined) => LineParserLike,
): EventSource {
  return {
    name,
    description,
    async read(chunks, onEvent, options = {}): Promise<SourceReadResult> {
      return readThroughParser(make(onEvent, options.onSkip, await recordingDateOf(chunks)), chunks, options.onBytes);
    },
  };
}
