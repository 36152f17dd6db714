import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AgentStatus, CountBatch, ProgramFormat } from '@fleettune/proto';
import { DEFAULT_BATCH_LIMITS, findAgentStatusProblem, findBatchProblem, sanitizedPausedSources, unknownProgramFormats } from './count-batch-validator';
import { programFormatCode, programFormatOfCode, PROGRAM_FORMAT_CODES } from './program-format-code';
import { programFormatFromWire } from '@fleettune/proto';

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
    initiators: [],
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

test('counts are capped per row and per batch so rollup sums cannot overflow', () => {
  const cap = 1e12;
  const row = (count: number) => ({ path: '/usr/bin/id', parentPath: '', user: 'root', count });
  // At the cap: accepted.
  assert.equal(findBatchProblem({ ...valid(), execs: [row(cap)], files: [], auditKeys: [], syscalls: [] }, NOW), undefined);
  // One row over the cap.
  assert.match(
    findBatchProblem({ ...valid(), execs: [row(cap + 1)] }, NOW) ?? 'accepted',
    /execs\[0\]: count 1000000000001 is larger than the allowed 1000000000000/,
  );
  assert.match(findBatchProblem({ ...valid(), syscalls: [{ name: 'execve', count: 2 ** 52 }] }, NOW) ?? 'accepted', /syscalls\[0\].*larger than the allowed/);
  // Every row within the cap, but together over it (the sum a rollup would add).
  const halfPlus = cap / 2 + 1;
  assert.match(
    findBatchProblem(
      { ...valid(), execs: [row(halfPlus)], files: [{ path: '/f', op: 'modify', processPath: '', count: halfPlus }], auditKeys: [], syscalls: [] },
      NOW,
    ) ?? 'accepted',
    /row counts add up to 1000000000002, more than the allowed 1000000000000 per batch/,
  );
  // The batch's own totals too.
  for (const field of ['events', 'skipped', 'dropped'] as const) {
    assert.match(findBatchProblem({ ...valid(), [field]: cap + 1 }, NOW) ?? 'accepted', new RegExp(`^${field}: count .* larger than the allowed`));
  }
  // A smaller configured cap is honoured.
  assert.match(findBatchProblem({ ...valid(), execs: [row(11)] }, NOW, { ...DEFAULT_BATCH_LIMITS, maxCount: 10 }) ?? 'accepted', /larger than the allowed 10/);
});

function status(): AgentStatus {
  return {
    spoolPendingBatches: 3,
    spoolBytes: 4096,
    spoolBoundBytes: 65536,
    droppedBatchesTotal: 1,
    droppedEventsTotal: 40,
    mergesTotal: 7,
    rejectedBatchesTotal: 0,
    degradeLevel: 2,
    pausedSources: ['fanotify'],
    rssBytes: 80 * 1024 * 1024,
    cpuPercent: 3.5,
    inputWarnings: [],
  };
}

test('agent_status: absent (old agents) and well-formed both pass', () => {
  assert.equal(findBatchProblem({ ...valid(), agentStatus: undefined }, NOW), undefined);
  assert.equal(findBatchProblem({ ...valid(), agentStatus: status() }, NOW), undefined);
  assert.equal(findAgentStatusProblem(AgentStatus.fromPartial({})), undefined, 'an all-default status is valid');
});

test('agent_status: negative, unsafe, oversized and non-finite values are named', () => {
  const cases: Array<[Partial<AgentStatus>, RegExp]> = [
    [{ spoolPendingBatches: -1 }, /agent_status\.spool_pending_batches: must be an integer from 0 to/],
    [{ spoolBytes: 2 ** 53 }, /agent_status\.spool_bytes/],
    [{ droppedEventsTotal: 1e16 }, /agent_status\.dropped_events_total/],
    [{ mergesTotal: 1.5 }, /agent_status\.merges_total/],
    [{ rejectedBatchesTotal: NaN }, /agent_status\.rejected_batches_total/],
    [{ degradeLevel: -1 }, /agent_status\.degrade_level/],
    [{ degradeLevel: 5000 }, /agent_status\.degrade_level/],
    [{ cpuPercent: Infinity }, /agent_status\.cpu_percent/],
    [{ cpuPercent: -0.1 }, /agent_status\.cpu_percent/],
    [{ pausedSources: Array.from({ length: 2000 }, () => 'x') }, /paused_sources: more than 1024/],
  ];
  for (const [patch, why] of cases) {
    assert.match(findBatchProblem({ ...valid(), agentStatus: { ...status(), ...patch } }, NOW) ?? 'accepted', why, JSON.stringify(patch).slice(0, 80));
  }
});

test('agent_status: paused source names are sanitized, not refused', () => {
  const hostile = ['fanotify', '<script>alert(1)</script>', 'fanotify', '', 'a\u0000b', 'X-UPPER', 'mdatp-rtp', 'x'.repeat(100)];
  assert.equal(findBatchProblem({ ...valid(), agentStatus: { ...status(), pausedSources: hostile } }, NOW), undefined);
  assert.deepEqual(sanitizedPausedSources(hostile), ['fanotify', 'mdatp-rtp']);
  assert.equal(sanitizedPausedSources(Array.from({ length: 100 }, (_, i) => `s${i}`)).length, 32);
});

test('agent_status: hostile values never throw', () => {
  fc.assert(
    fc.property(fc.double(), fc.integer(), fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 40 }), (d, n, names) => {
      const st = { ...status(), spoolBytes: n, cpuPercent: d, degradeLevel: n, pausedSources: names };
      const p = findBatchProblem({ ...valid(), agentStatus: st }, NOW);
      assert.ok(p === undefined || typeof p === 'string');
      for (const s of sanitizedPausedSources(names)) assert.match(s, /^[a-z0-9][a-z0-9-]{0,31}$/);
    }),
  );
});

test('program_format (issue 19 item 4): known values pass; an unknown value from the wire never refuses the batch, is counted and stored as unknown', () => {
  const b = valid();
  b.execs = [
    { path: '/opt/acme/sync-job', parentPath: '', user: 'root', count: 1, programFormat: ProgramFormat.PROGRAM_FORMAT_SCRIPT },
    { path: '/opt/acme/helper', parentPath: '', user: 'root', count: 1, programFormat: ProgramFormat.PROGRAM_FORMAT_ELF },
    { path: '/opt/acme/said-nothing', parentPath: '', user: 'root', count: 1, programFormat: ProgramFormat.PROGRAM_FORMAT_UNSPECIFIED },
    { path: '/opt/acme/newer', parentPath: '', user: 'root', count: 1, programFormat: 99 as ProgramFormat },
    { path: '/opt/acme/hostile', parentPath: '', user: 'root', count: 1, programFormat: -7 as ProgramFormat },
  ];
  // Through the wire as a hostile agent would send it: ts-proto keeps the raw enum number.
  const decoded = CountBatch.decode(CountBatch.encode(b).finish());
  assert.deepEqual(
    decoded.execs.map((r) => r.programFormat),
    [3, 1, 0, 99, -7],
  );
  assert.equal(findBatchProblem(decoded, NOW), undefined);
  assert.equal(unknownProgramFormats(decoded), 2);
  assert.deepEqual(
    decoded.execs.map((r) => programFormatCode(programFormatFromWire(r.programFormat))),
    [PROGRAM_FORMAT_CODES.script, PROGRAM_FORMAT_CODES.elf, null, null, null],
  );
  assert.equal(unknownProgramFormats(valid()), 0, 'older agents send none');
});

test('stored program-format codes order readings by strength (max() merges: script > binary > other > unreadable) and read back', () => {
  const c = PROGRAM_FORMAT_CODES;
  assert.ok(c.script > c['mach-o'] && c.script > c.elf && c.elf > c.other && c['mach-o'] > c.other && c.other > c.unreadable && c.unreadable > 0);
  for (const [name, code] of Object.entries(c)) assert.equal(programFormatOfCode(code), name);
  assert.equal(programFormatOfCode(null), undefined);
  assert.equal(programFormatOfCode(42), undefined);
});
