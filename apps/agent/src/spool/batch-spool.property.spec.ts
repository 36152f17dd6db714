import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { CountBatch } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { MergeLimits, rowCount } from './batch-merge';
import { BatchSpool } from './batch-spool';

/**
 * Random appends, sends, deliveries with lost acks, disconnects, crashes
 * (with torn tails) and coarsening against a bounded spool, with the hub
 * simulated as it behaves: each (host, sequence) committed at most once,
 * a resend acked as duplicate and ignored. Whatever happens, what the hub
 * ends up with equals the input minus exactly the drops it was told about.
 */

const W = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const PATHS = ['/usr/bin/id', '/usr/bin/date', '/bin/sh', '/usr/bin/python3', '/opt/x/agent', '/usr/sbin/cron'];
const LIMITS: MergeLimits = { maxWindowMs: 6 * W, maxRows: 8, maxBatchBytes: 4096, maxCostWindows: 2 };

type Op =
  | { op: 'append'; source: 0 | 1; rows: Array<{ p: number; n: number }>; cost: boolean }
  | { op: 'send'; k: number }
  | { op: 'deliver'; j: number; ackLost: boolean }
  | { op: 'disconnect' }
  | { op: 'crash'; torn: number }
  | { op: 'coarsen'; factor: 0 | 2 | 4 }
  | { op: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      source: fc.constantFrom(0 as const, 1 as const),
      rows: fc.array(fc.record({ p: fc.nat({ max: PATHS.length - 1 }), n: fc.integer({ min: 1, max: 9 }) }), { maxLength: 5 }),
      cost: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('send' as const), k: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('deliver' as const), j: fc.integer({ min: 0, max: 6 }), ackLost: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const), torn: fc.nat({ max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('coarsen' as const), factor: fc.constantFrom(0 as const, 2 as const, 4 as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 5 * W }) }) },
);

function add(m: Map<string, number>, k: string, n: number) {
  m.set(k, (m.get(k) ?? 0) + n);
}

function runScenario(ops: Op[], maxBytes: number, compactionChunkBytes: number): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-spool-prop-'));
  let now = T0 + 3600_000;
  const open = () => new BatchSpool(dir, { maxBytes, limits: LIMITS, now: () => now, compactionChunkBytes });
  let spool = open();
  const clock = [T0, T0];
  const input = new Map<string, number>();
  let inputEvents = 0;
  const hub = new Map<number, CountBatch>();
  let wire: CountBatch[] = [];
  let lastWritten = 0;
  const onWire = (b: CountBatch) => {
    // What the hub's validator would refuse must never be produced by merging.
    assert.ok(b.windowEndMs - b.windowStartMs <= LIMITS.maxWindowMs, `window too long in ${b.sequence}`);
    assert.ok(rowCount(b) <= LIMITS.maxRows, `too many rows in ${b.sequence}`);
    assert.ok(b.sequence > 0);
  };
  const commit = (b: CountBatch) => {
    const seen = hub.get(b.sequence);
    // The trap: a sequence the hub may hold must never come back with other counts.
    if (seen) assert.deepEqual(b, seen, `sequence ${b.sequence} resent with different content`);
    else hub.set(b.sequence, b);
  };
  try {
    for (const o of ops) {
      switch (o.op) {
        case 'append': {
          const src = o.source;
          const execs = o.rows.map((r) => ({ path: PATHS[r.p], parentPath: '', user: 'root', count: r.n }));
          const events = execs.reduce((s, r) => s + r.count, 0);
          const start = clock[src];
          clock[src] += W;
          const hostCost = o.cost
            ? [
                {
                  windowStartMs: start,
                  windowEndMs: start + W,
                  samples: 6,
                  coveredMs: W,
                  products: [{ name: 'auditd', product: 'auditd', cpuMs: 10, peakRssKb: 1, peakHwmKb: 1, processes: 1 }],
                  auditd: undefined,
                },
              ]
            : [];
          const before = spool.lastAppended();
          const got = spool.append(
            countBatch({ source: src ? 'mdatp' : 'linux-audit', windowStartMs: start, windowEndMs: start + W, events, execs, hostCost }),
          );
          assert.equal(got.sequence, before + 1, 'sequences are consecutive for appends');
          inputEvents += events;
          for (const r of execs) add(input, r.path, r.count);
          break;
        }
        case 'send':
          for (let i = 0; i < o.k; i++) {
            const b = spool.nextToSend(lastWritten);
            if (!b) break;
            spool.markSent(b.sequence);
            onWire(b);
            assert.ok(b.sequence > lastWritten, 'a stream sends increasing sequences');
            lastWritten = b.sequence;
            wire.push(structuredClone(b));
          }
          break;
        case 'deliver': {
          const got = wire.splice(0, o.j);
          for (const b of got) {
            commit(b);
            if (!o.ackLost) spool.ack(b.sequence);
          }
          break;
        }
        case 'disconnect':
          // Whatever was on the wire may or may not have been committed: here, not.
          wire = [];
          lastWritten = 0;
          break;
        case 'crash': {
          spool.close();
          if (o.torn > 0) fs.appendFileSync(path.join(dir, 'batches.spool'), Buffer.alloc(o.torn, 0x46));
          spool = open();
          wire = [];
          lastWritten = 0;
          break;
        }
        case 'coarsen':
          spool.setCoarsenMs(o.factor * W);
          break;
        case 'tick':
          now += o.ms;
          break;
      }
    }
    // The outage ends: everything drains (still coarsened: held batches are released by the clock).
    wire = [];
    now += 24 * 3600_000;
    for (let guard = 0; spool.unacked().length > 0; guard++) {
      assert.ok(guard < 10_000, 'drain does not terminate');
      let after = 0;
      for (let b = spool.nextToSend(after); b; b = spool.nextToSend(after)) {
        spool.markSent(b.sequence);
        onWire(b);
        commit(structuredClone(b));
        spool.ack(b.sequence);
        after = b.sequence;
      }
    }
    const got = new Map<string, number>();
    let hubEvents = 0;
    let hubDropped = 0;
    for (const b of hub.values()) {
      hubEvents += b.events;
      hubDropped += b.dropped;
      for (const r of b.execs) add(got, r.path, r.count);
    }
    assert.equal(hubEvents + hubDropped, inputEvents, 'events: hub + reported drops = input');
    assert.equal(hubDropped, spool.stats().droppedEvents, 'the hub was told about every drop and nothing more');
    let missing = 0;
    for (const [k, n] of input) {
      const g = got.get(k) ?? 0;
      assert.ok(g <= n, `${k}: hub has ${g} > input ${n}`);
      missing += n - g;
    }
    for (const k of got.keys()) assert.ok(input.has(k));
    assert.equal(missing, hubDropped, 'per-key counts missing on the hub = reported drops');
    spool.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('property: hub counts = input counts minus exactly the reported drops, through merges, drops, lost acks and crashes', () => {
  fc.assert(
    // Small compaction chunks too, so merging and dropping across chunk boundaries is exercised.
    fc.property(fc.array(opArb, { maxLength: 80 }), fc.integer({ min: 400, max: 2500 }), fc.integer({ min: 50, max: 20_000 }), (ops, maxBytes, chunk) =>
      runScenario(ops, maxBytes, chunk),
    ),
    { numRuns: 400 },
  );
});

test('property: with room to merge, nothing is dropped and every per-key count arrives', () => {
  // One source, few distinct keys: merging alone always fits a spool a little larger than one merged batch.
  const appendOnly = fc.array(
    fc.record({
      op: fc.constant('append' as const),
      source: fc.constant(0 as const),
      rows: fc.array(fc.record({ p: fc.nat({ max: 2 }), n: fc.integer({ min: 1, max: 9 }) }), { maxLength: 3 }),
      cost: fc.constant(false),
    }),
    { maxLength: 60 },
  );
  fc.assert(
    fc.property(appendOnly, (ops) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-spool-prop-'));
      try {
        // Windows long enough that everything may merge: merging must then fit everything.
        const spool = new BatchSpool(dir, { maxBytes: 1200, limits: { ...LIMITS, maxWindowMs: 1e9, maxRows: 100 } });
        const want = new Map<string, number>();
        ops.forEach((o, i) => {
          const execs = o.rows.map((r) => ({ path: PATHS[r.p], parentPath: '', user: 'root', count: r.n }));
          for (const r of execs) add(want, r.path, r.count);
          spool.append(countBatch({ windowStartMs: T0 + i * W, windowEndMs: T0 + (i + 1) * W, events: execs.reduce((s, r) => s + r.count, 0), execs }));
          assert.ok(spool.stats().fileBytes <= 1200, `spool ${spool.stats().fileBytes} bytes over its bound`);
        });
        assert.equal(spool.stats().droppedEvents, 0);
        const got = new Map<string, number>();
        for (const b of spool.unacked()) for (const r of b.execs) add(got, r.path, r.count);
        assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
        spool.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 150 },
  );
});
