import type { ObservedEvent } from '@fleettune/counting';
import { AuditLogReaderOptions, AuditReadStats, readAuditLog } from '../audit-log-reader';
import * as path from 'node:path';

/** libs/audit/fixtures, from src/ or dist/ alike. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures');

export interface Collected {
  events: ObservedEvent[];
  stats: AuditReadStats;
}

/** Reads text or bytes split into chunks of `chunkSize` bytes (to exercise chunk boundaries). */
export async function collect(input: string | Buffer, chunkSize = 1 << 16, options: AuditLogReaderOptions = {}): Promise<Collected> {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  const events: ObservedEvent[] = [];
  const stats = await readAuditLog(chunks, (e) => events.push(e), options);
  return { events, stats };
}

/** Counts by name, sorted like aureport summaries compare (count desc, then name). */
export function tally(names: Iterable<string>): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Summary counts the fixtures are compared on. */
export function summarize(events: ObservedEvent[]) {
  return {
    events: events.length,
    execs: tally(events.filter((e) => e.exec).map((e) => e.exec!.path)),
    keys: tally(events.flatMap((e) => e.keys)),
    syscalls: tally(events.filter((e) => e.syscall).map((e) => e.syscall!)),
  };
}
