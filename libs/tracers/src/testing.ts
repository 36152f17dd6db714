import type { ObservedEvent } from '@fleettune/counting';
import type { LineEventReader, LineReadStats } from '@fleettune/line-input';

/** Runs a parser over a buffer in chunks; returns its events and stats (tests). */
export function runParser(
  make: (onEvent: (e: ObservedEvent) => void) => LineEventReader,
  input: Buffer | string,
  chunk = 1 << 20,
): { events: ObservedEvent[]; stats: LineReadStats } {
  const events: ObservedEvent[] = [];
  const p = make((e) => events.push(e));
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  return { events, stats: p.end() };
}
