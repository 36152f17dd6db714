import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { BatchSpool, spoolMaxBytes } from './batch-spool';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ft-spool-'));
}

function batch(windowStartMs: number): Omit<CountBatch, 'sequence'> {
  return countBatch({ windowStartMs, execs: [{ path: '/usr/bin/id', parentPath: '', user: 'root', count: 1 }] });
}

/** The sequence numbers of `batches`, in order. */
const sequencesOf = (batches: readonly CountBatch[]) => batches.map((x) => x.sequence);

/** Appends two one-minute batches (sequences 1 and 2) to a new spool in `dir`, closes it and returns its file, for specs that damage it. */
function spoolFileOfTwoBatches(dir: string): string {
  const a = new BatchSpool(dir);
  a.append(batch(60_000));
  a.append(batch(120_000));
  a.close();
  return path.join(dir, 'batches.spool');
}

test('sequences increase and survive reopening; acked batches are not resent', () => {
  const dir = tmpDir();
  const a = new BatchSpool(dir);
  assert.deepEqual(
    [1, 2, 3].map((i) => a.append(batch(i * 60_000)).sequence),
    [1, 2, 3],
  );
  a.ack(2);
  a.close();
  const b = new BatchSpool(dir);
  assert.deepEqual(sequencesOf(b.unacked()), [3]);
  assert.equal(b.append(batch(240_000)).sequence, 4);
  b.ack(4);
  b.close();
  // Everything acked: the spool file is compacted but numbering goes on.
  const c = new BatchSpool(dir);
  assert.equal(c.unacked().length, 0);
  assert.equal(fs.statSync(path.join(dir, 'batches.spool')).size, 0);
  assert.equal(c.append(batch(300_000)).sequence, 5);
  c.close();
});

test('a torn write at the tail is cut off and earlier batches are kept', () => {
  const dir = tmpDir();
  const file = spoolFileOfTwoBatches(dir);
  const whole = fs.readFileSync(file);
  // A crash in the middle of appending a third frame.
  fs.appendFileSync(file, whole.subarray(0, 20));
  // And a compaction's temp file, left by a crash before its rename.
  const stale = path.join(dir, '.batches.spool.merge.4242.tmp');
  fs.writeFileSync(stale, 'partial');
  const b = new BatchSpool(dir);
  assert.ok(!fs.existsSync(stale));
  assert.deepEqual(sequencesOf(b.unacked()), [1, 2]);
  assert.equal(b.stats().tornBytesDropped, 20);
  assert.equal(fs.statSync(file).size, whole.length);
  assert.equal(b.append(batch(180_000)).sequence, 3);
  b.close();
});

test('a corrupted frame stops recovery there instead of yielding garbage counts', () => {
  const dir = tmpDir();
  const file = spoolFileOfTwoBatches(dir);
  const buf = fs.readFileSync(file);
  buf[buf.length - 3] ^= 0xff; // flip bits inside the second payload
  fs.writeFileSync(file, buf);
  const b = new BatchSpool(dir);
  assert.deepEqual(sequencesOf(b.unacked()), [1]);
  b.close();
});

function sumEvents(bs: readonly CountBatch[]): { events: number; dropped: number; execs: number } {
  return bs.reduce((s, b) => ({ events: s.events + b.events, dropped: s.dropped + b.dropped, execs: s.execs + b.execs.reduce((n, r) => n + r.count, 0) }), {
    events: 0,
    dropped: 0,
    execs: 0,
  });
}

test('at its bound the spool merges never-sent windows into coarser ones, counts preserved, and stays under the bound', () => {
  const dir = tmpDir();
  const logs: string[] = [];
  const s = new BatchSpool(dir, { maxBytes: 2_000, log: (m) => logs.push(m) });
  for (let i = 1; i <= 100; i++) s.append(batch(i * 60_000));
  const st = s.stats();
  assert.ok(st.fileBytes <= 2_000, `spool is ${st.fileBytes} bytes`);
  assert.ok(st.mergedBatches > 0 && st.droppedBatches === 0, JSON.stringify(st));
  assert.deepEqual(sumEvents(s.unacked()), { events: 100, dropped: 0, execs: 100 });
  const first = s.unacked()[0];
  assert.equal(first.windowStartMs, 60_000);
  assert.ok(first.windowEndMs - first.windowStartMs > 60_000, 'merged windows are coarser');
  assert.equal(s.unacked().at(-1)!.sequence, 100, 'the last sequence is kept');
  assert.ok(logs.some((l) => /merged \d+ windows/.test(l)));
  s.close();
  // Reopened: the compacted file holds the same batches.
  const again = new BatchSpool(dir, { maxBytes: 2_000 });
  assert.deepEqual(again.unacked(), s.unacked());
  assert.equal(again.append(batch(101 * 60_000)).sequence, 101);
  again.close();
});

test('when merging cannot fit, the oldest never-sent batches become drop records the hub is told about; sent batches are untouched', () => {
  const dir = tmpDir();
  const s = new BatchSpool(dir, { maxBytes: 1_500 });
  // Every window has a distinct path, so merging saves little.
  const distinct = (i: number) => ({
    ...batch(i * 60_000),
    execs: [{ path: `/opt/app-${i}/bin/run-${'x'.repeat(40)}`, parentPath: '', user: 'root', count: 3 }],
    events: 3,
  });
  s.append(distinct(1));
  s.append(distinct(2));
  s.markSent(2); // both may be on the hub already
  for (let i = 3; i <= 40; i++) s.append(distinct(i));
  const st = s.stats();
  assert.ok(st.droppedBatches > 0 && st.droppedEvents > 0, JSON.stringify(st));
  const [a, b] = s.unacked();
  assert.deepEqual(
    [a, b],
    [distinct(1), distinct(2)].map((x, i) => ({ ...x, sequence: i + 1 })),
  );
  const sums = sumEvents(s.unacked());
  assert.equal(sums.events + sums.dropped, 40 * 3);
  assert.equal(sums.dropped, st.droppedEvents);
  assert.equal(sums.execs, sums.events, 'rows are dropped exactly with their events');
  s.close();
  // The drop counters survive a restart.
  const again = new BatchSpool(dir, { maxBytes: 1_500 });
  assert.equal(again.stats().droppedEvents, st.droppedEvents);
  assert.equal(again.stats().sentThrough, 2);
  again.close();
});

test('coarsening holds never-sent windows until their bucket is complete and sends them merged; a torn merge frame leaves the originals', () => {
  const dir = tmpDir();
  let now = 1_000_000;
  const s = new BatchSpool(dir, { now: () => now });
  s.setCoarsenMs(180_000);
  s.append(batch(180_000)); // bucket [180000, 360000)
  s.append(batch(240_000));
  assert.equal(s.nextToSend(0), undefined, 'the bucket is not complete yet');
  s.append(batch(300_000)); // ends at the bucket end
  const sizeBefore = s.stats().fileBytes;
  const m = s.nextToSend(0)!;
  assert.deepEqual([m.sequence, m.windowStartMs, m.windowEndMs, m.events, m.execs[0].count], [3, 180_000, 360_000, 3, 3]);
  assert.deepEqual(sequencesOf(s.unacked()), [3]);
  s.append(batch(360_000));
  assert.equal(s.nextToSend(3), undefined);
  now += 180_000; // held at most one coarse window of wall time
  assert.equal(s.nextToSend(3)?.sequence, 4);
  s.close();
  // Recovery applies the merge frame; a merge frame torn by a crash leaves the three windows.
  assert.deepEqual(
    new BatchSpool(dir).unacked().map((b) => [b.sequence, b.events]),
    [
      [3, 3],
      [4, 1],
    ],
  );
  const file = path.join(dir, 'batches.spool');
  fs.truncateSync(file, sizeBefore + 10);
  assert.deepEqual(
    new BatchSpool(dir).unacked().map((b) => [b.sequence, b.events]),
    [
      [1, 1],
      [2, 1],
      [3, 1],
    ],
  );
});

test('a spool written by an older agent (no sentThrough) treats every batch as possibly sent', () => {
  const dir = tmpDir();
  const a = new BatchSpool(dir);
  for (let i = 1; i <= 5; i++) a.append(batch(i * 60_000));
  a.ack(1);
  a.close();
  fs.writeFileSync(path.join(dir, 'acked.json'), JSON.stringify({ ackedThrough: 1 }));
  const full = fs.statSync(path.join(dir, 'batches.spool')).size;
  const b = new BatchSpool(dir, { maxBytes: full }); // the next append compacts
  assert.equal(b.stats().sentThrough, 5);
  b.append(batch(360_000));
  assert.ok(b.stats().fileBytes < full + 10, 'compacted (the acked frame is gone)');
  assert.equal(b.stats().mergedBatches + b.stats().droppedBatches, 0);
  assert.deepEqual(
    b
      .unacked()
      .slice(0, 4)
      .map((x) => [x.sequence, x.events]),
    [
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ],
  );
  b.close();
});

test('the bound comes from --spool-max-mb or FLEETTUNE_SPOOL_MAX_MB, default 256 MB', () => {
  assert.equal(spoolMaxBytes(undefined, {}), 256 * 1024 * 1024);
  assert.equal(spoolMaxBytes(undefined, { FLEETTUNE_SPOOL_MAX_MB: '8' }), 8 * 1024 * 1024);
  assert.equal(spoolMaxBytes(1, { FLEETTUNE_SPOOL_MAX_MB: '8' }), 1024 * 1024);
  assert.throws(() => spoolMaxBytes(undefined, { FLEETTUNE_SPOOL_MAX_MB: 'lots' }), /positive number of MB/);
});

test('coarsening never merges a batch that was handed to the uplink, even when a new stream starts from the oldest unacked', () => {
  const dir = tmpDir();
  const s = new BatchSpool(dir, { now: () => 0 });
  s.append(batch(180_000));
  const sent = s.nextToSend(0)!;
  s.markSent(sent.sequence); // on the wire; the ack is lost with the connection
  s.setCoarsenMs(180_000);
  s.append(batch(240_000)); // same coarse bucket
  s.append(batch(300_000)); // completes it
  // A new stream resends from the oldest unacked batch.
  assert.deepEqual(s.nextToSend(0), sent);
  const next = s.nextToSend(sent.sequence)!;
  assert.deepEqual([next.sequence, next.windowStartMs, next.windowEndMs, next.events], [3, 240_000, 360_000, 2]);
  s.close();
});
