import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WindowAggregator } from './window-aggregator';
import { ObservedEvent } from './observed-event';

const exec = (ts: number, path: string, weight?: number): ObservedEvent => ({
  timestampMs: ts,
  exec: { path, parentPath: '/opt/app', user: 'root' },
  files: [{ path: '/var/log/app.log', op: 'modify', processPath: path }],
  keys: ['exec'],
  syscall: 'execve',
  weight,
});

test('events are counted per epoch-aligned window and emitted in order, once', () => {
  const a = new WindowAggregator({ source: 'linux-audit', windowMs: 60_000 });
  a.add(exec(120_500, '/usr/bin/id'));
  a.add(exec(60_100, '/usr/bin/id'));
  a.add(exec(60_200, '/usr/bin/date'));
  a.addSkipped();
  const early = a.flushBefore(120_000);
  assert.deepEqual(
    early.map((w) => [w.windowStartMs, w.events, w.skipped]),
    [[60_000, 2, 0]],
  );
  const rest = a.flushAll();
  assert.deepEqual(
    rest.map((w) => [w.windowStartMs, w.events, w.skipped]),
    [[120_000, 1, 1]],
  );
  assert.equal(a.flushAll().length, 0);
});

test('a weighted event counts as that many occurrences everywhere', () => {
  const a = new WindowAggregator({ source: 'mdatp-rtp', windowMs: 60_000 });
  a.add(exec(1_000, '/usr/bin/id', 5000));
  a.add(exec(2_000, '/usr/bin/id'));
  const [w] = a.flushAll();
  assert.equal(w.events, 5001);
  assert.deepEqual(w.execs, [{ path: '/usr/bin/id', parentPath: '/opt/app', user: 'root', count: 5001 }]);
  assert.equal(w.files[0].count, 5001);
  assert.deepEqual(w.keys, [{ name: 'exec', count: 5001 }]);
  assert.deepEqual(w.syscalls, [{ name: 'execve', count: 5001 }]);
});
