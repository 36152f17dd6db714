import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AuditLogReader, auditLogSpanSeconds, shiftAuditLog } from '@fleettune/audit';
import { WindowAggregator, WindowCounts } from '@fleettune/counting';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'libs', 'audit', 'fixtures');

/** Real recorded logs (ENRICHED then RAW), repeated `copies` times later in time: a stream of many windows. */
export function recordedStream(copies = 3): Buffer {
  const base = Buffer.concat([readFileSync(path.join(FIXTURES, 'host-a.enriched.log')), readFileSync(path.join(FIXTURES, 'host-b.raw.log'))]);
  const span = auditLogSpanSeconds(base);
  const parts: Buffer[] = [];
  for (let i = 0; i < copies; i++) parts.push(shiftAuditLog(base, i * (span.last - span.first + 3), i * (span.maxSerial + 1)));
  return Buffer.concat(parts);
}

/** Counts per window, as one flat sorted list of "window|kind|key=count" (order-free). */
export function totalsOf(windows: Iterable<Pick<WindowCounts, 'windowStartMs' | 'events' | 'skipped' | 'execs' | 'files' | 'keys' | 'syscalls'>>): string[] {
  const m = new Map<string, number>();
  const add = (k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const w of windows) {
    const p = String(w.windowStartMs);
    add(`${p}|events`, w.events);
    add(`${p}|skipped`, w.skipped);
    for (const r of w.execs) add(`${p}|exec|${r.path}|${r.parentPath}|${r.user}`, r.count);
    for (const r of w.files) add(`${p}|file|${r.path}|${r.op}|${r.processPath}`, r.count);
    for (const r of w.keys) add(`${p}|key|${r.name}`, r.count);
    for (const r of w.syscalls) add(`${p}|syscall|${r.name}`, r.count);
  }
  return [...m]
    .filter(([, n]) => n !== 0)
    .map(([k, n]) => `${k}=${n}`)
    .sort();
}

/** The one-shot count of the whole input (the reference every live run must equal). */
export function oneShotTotals(data: Buffer, windowMs: number): string[] {
  const agg = new WindowAggregator({ source: 'linux-audit', windowMs });
  const r = new AuditLogReader((e) => agg.add(e), { onSkip: () => agg.addSkipped() });
  r.push(data);
  r.end();
  return totalsOf(agg.flushAll());
}
