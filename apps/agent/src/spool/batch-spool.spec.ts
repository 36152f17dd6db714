import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { BatchSpool } from './batch-spool';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ft-spool-'));
}

function batch(windowStartMs: number): Omit<CountBatch, 'sequence'> {
  return {
    hostId: 'h',
    windowStartMs,
    windowEndMs: windowStartMs + 60_000,
    source: 'linux-audit',
    events: 1,
    skipped: 0,
    dropped: 0,
    execs: [{ path: '/usr/bin/id', parentPath: '', user: 'root', count: 1 }],
    files: [],
    auditKeys: [],
    syscalls: [],
    hostCost: [],
  };
}

test('sequences increase and survive reopening; acked batches are not resent', () => {
  const dir = tmpDir();
  const a = new BatchSpool(dir);
  assert.deepEqual([1, 2, 3].map((i) => a.append(batch(i * 60_000)).sequence), [1, 2, 3]);
  a.ack(2);
  a.close();
  const b = new BatchSpool(dir);
  assert.deepEqual(b.unacked().map((x) => x.sequence), [3]);
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
  const a = new BatchSpool(dir);
  a.append(batch(60_000));
  a.append(batch(120_000));
  a.close();
  const file = path.join(dir, 'batches.spool');
  const whole = fs.readFileSync(file);
  // A crash in the middle of appending a third frame.
  fs.appendFileSync(file, whole.subarray(0, 20));
  const b = new BatchSpool(dir);
  assert.deepEqual(b.unacked().map((x) => x.sequence), [1, 2]);
  assert.equal(b.stats().tornBytesDropped, 20);
  assert.equal(fs.statSync(file).size, whole.length);
  assert.equal(b.append(batch(180_000)).sequence, 3);
  b.close();
});

test('a corrupted frame stops recovery there instead of yielding garbage counts', () => {
  const dir = tmpDir();
  const a = new BatchSpool(dir);
  a.append(batch(60_000));
  a.append(batch(120_000));
  a.close();
  const file = path.join(dir, 'batches.spool');
  const buf = fs.readFileSync(file);
  buf[buf.length - 3] ^= 0xff; // flip bits inside the second payload
  fs.writeFileSync(file, buf);
  const b = new BatchSpool(dir);
  assert.deepEqual(b.unacked().map((x) => x.sequence), [1]);
  b.close();
});
