import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WindowCounts } from '@fleettune/counting';
import { totalsOf } from './live-test-data';
import { batchesOf, fitWindowForHub, hubParts, MAX_BATCH_ROWS, MAX_BATCH_TEXT, UNKNOWN_PATH } from './window-sink';

const window = (files: number, pathLength = 40): WindowCounts => ({
  source: 'fanotify',
  windowStartMs: Date.UTC(2026, 0, 1),
  windowEndMs: Date.UTC(2026, 0, 1, 0, 1),
  events: files * 3,
  skipped: 7,
  execs: [{ path: '/usr/bin/a', parentPath: '', user: '0', count: 2 }],
  files: Array.from({ length: files }, (_, i) => ({ path: `/var/x/${String(i).padStart(pathLength, '0')}`, op: 'modify' as const, processPath: '', count: 3 })),
  keys: [],
  syscalls: [],
});

test('a window with more rows than a batch may hold is cut into parts of that window that add up to it', () => {
  const w = window(45_000);
  const parts = hubParts(w);
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (const p of parts) {
    assert.equal(p.windowStartMs, w.windowStartMs);
    assert.ok(p.execs.length + p.files.length <= MAX_BATCH_ROWS);
  }
  assert.deepEqual(totalsOf(parts), totalsOf([w]));
  assert.equal(parts.filter((p) => p.events > 0).length, 1, 'events and skipped ride on the first part only');
  assert.deepEqual(hubParts(w), parts, 'cut the same way every time (a restart counts on it)');
});

test('long paths: parts stay under the text budget', () => {
  const w = window(3_000, 1000);
  const parts = hubParts(w);
  assert.ok(parts.length > 1);
  for (const p of parts) assert.ok(p.files.reduce((n, r) => n + r.path.length, 0) <= MAX_BATCH_TEXT);
  assert.deepEqual(totalsOf(parts), totalsOf([w]));
});

test('a small window is one batch, unchanged', () => {
  const w = window(10);
  assert.deepEqual(batchesOf([w]), [w]);
});

test('an empty path (refused by the hub) becomes (unknown); an over-long one is cut; counts stay', () => {
  const w = window(1);
  w.execs.push({ path: '', parentPath: 'p'.repeat(5000), user: '', count: 4 });
  const f = fitWindowForHub(w);
  assert.equal(f.execs[1].path, UNKNOWN_PATH);
  assert.equal(f.execs[1].parentPath.length, 4096);
  assert.equal(f.execs[1].count, 4);
});
