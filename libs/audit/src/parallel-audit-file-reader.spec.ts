import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { auditRangeWorkerPool } from './audit-range-worker-pool';
import { AuditFileReadOptions, AuditFileReadResult, readAuditFile, readAuditFileParallel, readAuditFileSequential } from './parallel-audit-file-reader';
import { AuditRangeScanOptions } from './audit-range-scan';
import { FIXTURES_DIR } from './testing/collect';

/**
 * The parallel file reader must give exactly what one reader reading the
 * file from start to end gives: the same multiset of events (every field,
 * timestamps and pids included: `exactEvents`), the same stats and skip
 * counts, wherever the ranges are cut and however small they are.
 */

const REPO = path.resolve(FIXTURES_DIR, '..', '..', '..');
const DEMO_LOGS = path.join(REPO, 'tools', 'demo', 'logs');
const RECORDED: string[] = [
  path.join(FIXTURES_DIR, 'host-a.enriched.log'),
  path.join(FIXTURES_DIR, 'host-b.raw.log'),
  ...fs
    .readdirSync(path.join(FIXTURES_DIR, 'samples'))
    .filter((f) => f.endsWith('.log'))
    .map((f) => path.join(FIXTURES_DIR, 'samples', f)),
  ...fs
    .readdirSync(DEMO_LOGS)
    .filter((f) => f.endsWith('.audit.log'))
    .map((f) => path.join(DEMO_LOGS, f)),
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-parallel-audit-'));
after(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await auditRangeWorkerPool.close();
});

let fileNo = 0;
function writeTemp(data: Buffer | string): string {
  const f = path.join(tmp, `log-${fileNo++}.log`);
  fs.writeFileSync(f, data);
  return f;
}

/** The parts of a result that must be equal (mode and range counts say how, not what). */
function essence(r: AuditFileReadResult) {
  return { stats: r.stats, tally: r.tally.counts };
}

async function assertSameAsSequential(file: string, options: AuditFileReadOptions): Promise<AuditFileReadResult> {
  const scan: AuditRangeScanOptions = {
    exactEvents: true,
    maxOpenEvents: options.maxOpenEvents,
    eventTimeoutSeconds: options.eventTimeoutSeconds,
    maxTrackedProcesses: options.maxTrackedProcesses,
    maxLineBytes: options.maxLineBytes,
  };
  const seq = readAuditFileSequential(file, scan);
  const par = await readAuditFileParallel(file, { ...options, exactEvents: true });
  assert.deepStrictEqual(essence(par), essence(seq), `${path.basename(file)} with ${JSON.stringify({ ...options, splitAt: options.splitAt?.length })}`);
  return par;
}

test('recorded logs: parallel read on worker threads equals the sequential read', async () => {
  for (const file of RECORDED) {
    const size = fs.statSync(file).size;
    const par = await assertSameAsSequential(file, { workers: 2, ranges: 5, headBytes: Math.max(1, size >> 6) });
    assert.equal(par.mode, 'parallel');
    assert.ok(par.stats.events > 0, file);
  }
});

test('recorded logs: default ranges and head on two threads', async () => {
  for (const file of RECORDED) await assertSameAsSequential(file, { workers: 2 });
});

test('recorded logs: this thread reading the first ranges or only waiting, same result', async () => {
  for (const file of RECORDED) {
    await assertSameAsSequential(file, { workers: 3, ranges: 7, readOnThisThread: true });
    await assertSameAsSequential(file, { workers: 2, ranges: 4, readOnThisThread: false });
  }
});

const CONCATENATED = Buffer.concat(RECORDED.map((f) => fs.readFileSync(f)));

test('all recorded logs concatenated, cut into tiny ranges (inside events, next to EOE, in hex and 0x1D parts)', async () => {
  const file = writeTemp(CONCATENATED);
  let missed = 0;
  for (const [step, headBytes] of [
    [997, 0],
    [1499, 300],
    [4093, 5000],
    [50_000, 2_000],
  ]) {
    const splitAt: number[] = [];
    for (let at = 1 + (step % 13); at < CONCATENATED.length; at += step) splitAt.push(at);
    const par = await assertSameAsSequential(file, { workers: 0, splitAt, headBytes });
    assert.ok(par.ranges > CONCATENATED.length / step / 2, 'the cuts made many ranges');
    missed += par.checkpointsMissed;
  }
  // With no head, events left open at a cut make the main thread read on past checkpoints: that path is exercised too.
  assert.ok(missed > 0);
  await assertSameAsSequential(file, { workers: 2, splitAt: Array.from({ length: 300 }, (_, i) => i * 7919), headBytes: 1000 });
});

test('every line its own range, and the event limits at their smallest', async () => {
  const text = fs.readFileSync(path.join(FIXTURES_DIR, 'host-a.enriched.log')).subarray(0, 120_000);
  const file = writeTemp(text);
  const splitAt: number[] = [];
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) splitAt.push(i + 1);
  for (const o of [{}, { maxOpenEvents: 1 }, { maxOpenEvents: 3, eventTimeoutSeconds: 1 }, { eventTimeoutSeconds: 5 }]) {
    for (const headBytes of [0, 200, 3000]) await assertSameAsSequential(file, { ...o, workers: 0, splitAt, headBytes });
  }
});

test('an exec in a later range names its parent from an earlier range', async () => {
  const parent = 'type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=100 uid=0 exe="/usr/bin/bash" key=(null)\n';
  const filler = Array.from(
    { length: 200 },
    (_, i) => `type=USER_LOGIN msg=audit(1700000004.${String(i % 1000).padStart(3, '0')}:${i + 2}): pid=5 uid=0 msg='op=login res=success'\n`,
  ).join('');
  const child = 'type=SYSCALL msg=audit(1700000009.000:999): arch=c000003e syscall=59 success=yes exit=0 ppid=100 pid=200 uid=0 exe="/usr/bin/ls" key=(null)\n';
  // A later event ends the child's in the same range (else the main thread would end it at the end of the file).
  const trailer = "type=USER_LOGIN msg=audit(1700000019.000:1000): pid=5 uid=0 msg='op=login res=success'\n";
  const file = writeTemp(parent + filler + child + trailer);
  const par = await assertSameAsSequential(file, { workers: 2, splitAt: [parent.length + 10], headBytes: 100 });
  const execs = [...par.tally.events()].filter(([e]) => e.exec?.path === '/usr/bin/ls');
  assert.equal(execs.length, 1);
  assert.equal(execs[0][0].exec!.parentPath, '/usr/bin/bash');
  // The parent's event ended in the head of range 1, so that range's worker result was used (parent named after the fact).
  assert.equal(par.rangesReread, 0);
});

test('a parent learned in a head is the one the whole log would name (head events emitted in another order)', async () => {
  const sys = (id: string, pid: number, ppid: number, syscall: number, exe: string) =>
    `type=SYSCALL msg=audit(${id}): arch=c000003e syscall=${syscall} success=yes exit=0 ppid=${ppid} pid=${pid} uid=0 exe="${exe}" key=(null)\n`;
  const login = (id: string) => `type=USER_LOGIN msg=audit(${id}): pid=5 uid=0 msg='op=login res=success'\n`;
  // Event 1 (pid 7 = /A) is still open at the cut; event 2 (pid 7 = /B) ends first, by its EOE; then event 1 ends:
  // the log names pid 7 /A at the checkpoint, while a reader that started at the cut saw only /B.
  const range0 = sys('1700000100.000:1', 7, 1, 2, '/A');
  const head = sys('1700000100.500:2', 7, 1, 2, '/B') + 'type=EOE msg=audit(1700000100.500:2): \n' + login('1700000103.000:3');
  const rest = sys('1700000103.100:5', 8, 7, 59, '/C') + login('1700000110.000:6');
  const file = writeTemp(range0 + head + rest);
  const par = await assertSameAsSequential(file, { workers: 0, splitAt: [range0.length], headBytes: head.length });
  assert.equal(par.rangesReread, 0);
  const exec = [...par.tally.events()].find(([e]) => e.exec?.path === '/C');
  assert.equal(exec?.[0].exec?.parentPath, '/A');
});

test('empty file, one line without newline, only blank lines', async () => {
  for (const text of ['', 'type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=2 success=yes exit=3 pid=1 exe="/x"', '\n\n\n']) {
    const file = writeTemp(text);
    await assertSameAsSequential(file, { workers: 0, splitAt: [0, 1, 2, 50], headBytes: 1 });
    await assertSameAsSequential(file, { workers: 2, ranges: 3 });
  }
});

test('more distinct pids than the pid -> exe map keeps: read again sequentially, still equal', async () => {
  const file = writeTemp(CONCATENATED);
  const par = await assertSameAsSequential(file, { workers: 0, ranges: 4, headBytes: 2000, maxTrackedProcesses: 8 });
  assert.equal(par.mode, 'sequential');
  assert.match(par.fallbackReason ?? '', /distinct pids/);
});

test('readAuditFile: sequential under the size threshold, parallel above, equal results', async () => {
  const file = RECORDED[0];
  const small = await readAuditFile(file, { workers: 2, exactEvents: true });
  assert.equal(small.mode, 'sequential');
  const big = await readAuditFile(file, { workers: 2, exactEvents: true, parallelMinBytes: 1 });
  assert.equal(big.mode, 'parallel');
  assert.deepStrictEqual(essence(big), essence(small));
});

// Random logs: slices of real logs, interleaved line by line (events spread
// over each other), with broken lines and a last line that may lack its newline.
const LINES: string[] = CONCATENATED.toString('latin1')
  .split('\n')
  .filter((l) => l.length > 0);
const BROKEN = ['garbage', 'type=SYSCALL msg=audit(', 'type=NOPE msg=audit(1.0:1): x=1', '\x00\x01', '\xff\xfe', '', 'type=EOE msg=audit(1700000000.000:5):'];

const slice = fc.tuple(fc.nat(LINES.length - 1), fc.integer({ min: 1, max: 40 })).map(([at, n]) => LINES.slice(at, at + n));
const randomLog = fc
  .tuple(
    fc.array(slice, { minLength: 1, maxLength: 4 }),
    fc.array(fc.nat(), { maxLength: 200 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BROKEN)), { maxLength: 5 }),
    fc.boolean(),
  )
  .map(([slices, picks, broken, lastNewline]) => {
    // Interleave the slices: each pick takes the next line of one slice.
    const queues = slices.map((s) => [...s]);
    const out: string[] = [];
    for (const p of picks) {
      const q = queues[p % queues.length];
      if (q.length > 0) out.push(q.shift()!);
    }
    for (const q of queues) out.push(...q);
    for (const [at, b] of broken) out.splice(at % (out.length + 1), 0, b);
    const text = out.join('\n') + (lastNewline ? '\n' : '');
    return Buffer.from(text, 'latin1');
  });

const readOptions = fc.record(
  {
    splitAt: fc.array(fc.nat(), { maxLength: 12 }),
    headBytes: fc.nat(3000),
    maxOpenEvents: fc.integer({ min: 1, max: 6 }),
    eventTimeoutSeconds: fc.constantFrom(0, 1, 2, 3),
    maxTrackedProcesses: fc.integer({ min: 1, max: 40 }),
  },
  { requiredKeys: ['splitAt', 'headBytes'] },
);

test('random logs, random cuts and heads (in this thread): equal to the sequential read', async () => {
  await fc.assert(
    fc.asyncProperty(randomLog, readOptions, async (log, o) => {
      const file = writeTemp(log);
      const splitAt = o.splitAt.map((n) => n % (log.length + 1));
      await assertSameAsSequential(file, { ...o, splitAt, workers: 0 });
      fs.rmSync(file);
    }),
    { numRuns: 300 },
  );
});

test('random logs, random range counts on worker threads: equal to the sequential read', async () => {
  await fc.assert(
    fc.asyncProperty(randomLog, fc.integer({ min: 1, max: 9 }), fc.nat(2000), async (log, ranges, headBytes) => {
      const file = writeTemp(log);
      await assertSameAsSequential(file, { workers: 2, ranges, headBytes });
      fs.rmSync(file);
    }),
    { numRuns: 40 },
  );
});
