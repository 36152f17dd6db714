import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CountBatch } from '@fleettune/proto';
import { findBatchProblem } from './count-batch-validator';

const NOW = Date.UTC(2026, 10, 24, 12);

function valid(): CountBatch {
  return {
    hostId: 'h',
    sequence: 1,
    windowStartMs: NOW - 120_000,
    windowEndMs: NOW - 60_000,
    source: 'linux-audit',
    events: 1,
    skipped: 0,
    dropped: 0,
    execs: [{ path: '/usr/bin/id', parentPath: '', user: 'root', count: 1 }],
    files: [{ path: '/var/log/x.log', op: 'modify', processPath: '', count: 2 }],
    auditKeys: [{ name: 'exec', count: 1 }],
    syscalls: [{ name: 'execve', count: 1 }],
    hostCost: [],
  };
}

test('a well-formed batch passes', () => {
  assert.equal(findBatchProblem(valid(), NOW), undefined);
});

test('each kind of bad batch is named', () => {
  const cases: Array<[Partial<CountBatch>, RegExp]> = [
    [{ sequence: 0 }, /sequence/],
    [{ sequence: 2 ** 53 }, /sequence/],
    [{ source: '' }, /source/],
    [{ windowEndMs: NOW - 180_000 }, /start < end/],
    [{ windowStartMs: NOW - 3 * 86_400_000 }, /longer/],
    [{ windowStartMs: Date.UTC(1999, 0, 1), windowEndMs: Date.UTC(1999, 0, 1, 0, 1) }, /time range/],
    [{ windowStartMs: NOW + 3 * 86_400_000, windowEndMs: NOW + 3 * 86_400_000 + 60_000 }, /time range/],
    [{ events: -1 }, /events/],
    [{ execs: [{ path: '', parentPath: '', user: '', count: 1 }] }, /execs\[0\]\.path/],
    [{ execs: [{ path: '/x', parentPath: '', user: '', count: 0 }] }, /positive/],
    [{ files: [{ path: '/x\u0000y', op: 'modify', processPath: '', count: 1 }] }, /NUL/],
    [{ files: [{ path: '/' + 'a'.repeat(5000), op: 'modify', processPath: '', count: 1 }] }, /longer than/],
    [{ syscalls: [{ name: 'execve', count: 1.5 }] }, /integer/],
  ];
  for (const [patch, why] of cases) {
    const problem = findBatchProblem({ ...valid(), ...patch }, NOW);
    assert.match(problem ?? 'accepted', why, JSON.stringify(patch).slice(0, 80));
  }
});

test('hostile strings and counts never throw and are either accepted or named', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer(), fc.double(), (s, n, d) => {
      const b = valid();
      b.execs = [{ path: s, parentPath: s, user: s, count: n }];
      b.files = [{ path: s, op: s, processPath: s, count: d }];
      const p = findBatchProblem(b, NOW);
      assert.ok(p === undefined || typeof p === 'string');
    }),
  );
});
