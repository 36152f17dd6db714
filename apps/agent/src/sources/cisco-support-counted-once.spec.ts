import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ObservedEvent } from '@fleettune/counting';
import { findEventSource } from './event-sources';
import { openDirectoryInput } from './directory-input';
import { openInput } from './open-input';
import { detailsOf } from './source-details';
import { LIST_ASSUMED_SPAN_MS } from './cisco-support-counted-once';
import { debugLogWith, SUPPORT_LOG_FILE } from './cisco-support-test-data';

const LOG = SUPPORT_LOG_FILE;

async function readSupport(
  input: string,
): Promise<{ events: ObservedEvent[]; total: number; notes: string[]; data: Record<string, unknown>; first?: number; last?: number }> {
  const src = (await findEventSource('cisco-support'))!;
  const opened = (await openDirectoryInput('cisco-support', input)) ?? (await openInput(input));
  const events: ObservedEvent[] = [];
  const r = await src.read(opened.chunks, (e) => events.push(e));
  const d = detailsOf(r)!;
  return { events, total: events.reduce((n, e) => n + (e.weight ?? 1), 0), notes: d.notes, data: d.data, first: r.firstTimestampMs, last: r.lastTimestampMs };
}

test('a support folder whose log and fileops.txt describe the same 999 writes counts them once, from the log, and says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-support-once-'));
  fs.writeFileSync(path.join(dir, 'fileops.txt'), `${LOG}\t999\n`);
  fs.writeFileSync(path.join(dir, 'execs.txt'), '12 /usr/bin/mdfind\n');
  fs.mkdirSync(path.join(dir, 'Library', 'Logs', 'Cisco'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Library', 'Logs', 'Cisco', 'ampdaemon.log'), debugLogWith(999));
  const r = await readSupport(dir);
  const writes = r.events.filter((e) => e.files.some((f) => f.path === LOG)).reduce((n, e) => n + (e.weight ?? 1), 0);
  assert.equal(writes, 999, 'not 1,998');
  assert.equal(r.total, 999 + 12);
  assert.deepEqual(r.data.countedFrom, { execs: 'list', fileops: 'log' });
  assert.ok(
    r.notes.some((n) =>
      /fileops counted once, from ampdaemon\.log \(999 Daemon Rx lines\); fileops\.txt \(999 scans\) describes the same debug period/.test(n),
    ),
    r.notes.join('\n'),
  );
  // execs.txt has no counterpart in the log: it counts, stamped over the log's span (09:40:00 to 09:56:38).
  const execs = r.events.filter((e) => e.exec);
  assert.equal(
    execs.reduce((n, e) => n + (e.weight ?? 1), 0),
    12,
  );
  assert.ok(r.first !== undefined && r.last !== undefined && r.last - r.first === 998_000);
  for (const e of execs) assert.ok(e.timestampMs >= r.first! && e.timestampMs <= r.last!, 'stamped inside the log span');
  assert.ok(new Set(execs.map((e) => e.timestampMs)).size > 1, 'spread over the span, not one instant');
});

test('a fileops.txt alone is stamped over the 20 minutes before it was written; rates are left out', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-support-list-'));
  const file = path.join(dir, 'fileops.txt');
  fs.writeFileSync(file, `${LOG}\t1000\n/tmp/x.db 40\n`);
  const written = Date.UTC(2026, 11, 7, 3, 0, 0);
  fs.utimesSync(file, written / 1000, written / 1000);
  const r = await readSupport(file);
  assert.equal(r.total, 1040);
  for (const e of r.events) assert.ok(e.timestampMs >= written - LIST_ASSUMED_SPAN_MS && e.timestampMs <= written, `${e.timestampMs} inside the assumed span`);
  const byMinute = new Set(r.events.filter((e) => e.files[0].path === LOG).map((e) => Math.floor(e.timestampMs / 60_000)));
  assert.equal(byMinute.size, 20, 'one slice per minute of the 20');
  assert.equal(r.first, undefined, 'no rates from an assumed span');
  assert.ok(r.notes.some((n) => /rates left out/.test(n)));
});
