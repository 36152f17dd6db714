import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchSpool } from '../spool/batch-spool';
import { LiveAuditFollower } from './live-audit-follower';
import { oneShotTotals, recordedStream, totalsOf } from './live-test-data';
import { spoolSink, WindowSink } from './window-sink';
import { memorySink } from '../testing/memory-sink';
import { rng } from '../testing/seeded-random';
import { Crash, CrashPoint, crashFaults } from '../testing/simulated-crash';

const WINDOW_MS = 1000;
const T0 = Date.UTC(2030, 0, 1);

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ft-live-'));
}

/**
 * Writes `data` to dir/audit.log in random slices (cutting lines and events
 * anywhere), rotating audit.log -> audit.log.1 (-> .2 ...) now and then,
 * while followers read it, crash at random points (also between the
 * checkpoint and the spool append) and restart from the state dir.
 */
function chaosRun(data: Buffer, seed: number, sink: WindowSink, crashes: boolean): void {
  const dir = tmpDir();
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'audit.log');
  const rand = rng(seed);
  let now = T0;
  let crashAt: CrashPoint;
  const logs: string[] = [];
  const make = () =>
    new LiveAuditFollower({
      source: 'linux-audit',
      input: log,
      stateDir: state,
      sink,
      windowMs: WINDOW_MS,
      graceMs: 500,
      quietMs: 3000,
      now: () => now,
      log: (m) => logs.push(m),
      faults: crashFaults(() => crashAt),
    });
  fs.writeFileSync(log, '');
  let f = make();
  let written = 0;
  let rotations = 0;
  while (written < data.length) {
    const rotate = rand() < 0.15;
    let n = Math.min(data.length - written, 1 + Math.floor(rand() * 120_000));
    // auditd rotates between records: finish the line before a rotation.
    if (rotate) n = data.indexOf(10, written + n - 1) + 1 - written || data.length - written;
    fs.appendFileSync(log, data.subarray(written, written + n));
    written += n;
    if (rotate) {
      // auditd's rotation: keep up to 3 old files, rename down, start a new file.
      for (let i = 3; i >= 1; i--) if (fs.existsSync(`${log}.${i}`)) fs.renameSync(`${log}.${i}`, `${log}.${i + 1}`);
      fs.renameSync(log, `${log}.1`);
      fs.writeFileSync(log, '');
      rotations++;
    }
    crashAt = crashes ? (['checkpoint', 'append', undefined, undefined] as const)[Math.floor(rand() * 4)] : undefined;
    let crashed = false;
    try {
      f.step(1 + Math.floor(rand() * 200_000));
    } catch (err) {
      if (!(err instanceof Crash)) throw err;
      crashed = true;
    }
    if (crashed || (crashes && rand() < 0.3)) {
      f.close(); // killed: whatever was not in its last checkpoint is forgotten
      crashAt = undefined;
      f = make();
    }
  }
  crashAt = undefined;
  // Read what is left, then let the log go quiet so the last windows complete by the wall clock.
  while (f.step().bytes > 0);
  now += 10_000;
  f.step();
  f.close();
  assert.ok(rotations > 0 || data.length < 300_000);
  assert.deepEqual(
    logs.filter((l) => !l.startsWith('recovered')),
    [],
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

const DATA = recordedStream(3);
const EXPECTED = oneShotTotals(DATA, WINDOW_MS);

test('following a log across rotations equals a one-shot count', () => {
  const sink = memorySink();
  chaosRun(DATA, 1, sink, false);
  assert.deepEqual(totalsOf(sink.windows), EXPECTED);
  // Each window is emitted once when nothing arrives late.
  const starts = sink.windows.map((w) => w.windowStartMs);
  assert.equal(new Set(starts).size, starts.length);
});

for (const seed of [2, 3, 4, 5]) {
  test(`crash and restart anywhere (seed ${seed}), with rotations: no record lost or counted twice`, () => {
    const sink = memorySink();
    chaosRun(DATA, seed, sink, true);
    assert.deepEqual(totalsOf(sink.windows), EXPECTED);
  });
}

test('windows are emitted as they complete, not only at the end', () => {
  const dir = tmpDir();
  const log = path.join(dir, 'audit.log');
  fs.writeFileSync(log, DATA);
  const sink = memorySink();
  const f = new LiveAuditFollower({ source: 'linux-audit', input: log, stateDir: dir, sink, windowMs: WINDOW_MS, graceMs: 500, now: () => T0 });
  f.step();
  assert.ok(sink.windows.length > 5, `only ${sink.windows.length} windows before the end`);
  const before = sink.windows.length;
  f.finish();
  assert.ok(sink.windows.length > before);
  assert.deepEqual(totalsOf(sink.windows), EXPECTED);
  f.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL of a real process at random times, real spool: totals equal a one-shot count', async () => {
  const dir = tmpDir();
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'audit.log');
  fs.writeFileSync(log, '');
  const script = `
    const { LiveAuditFollower } = require(${JSON.stringify(path.join(__dirname, 'live-audit-follower.js'))});
    const { spoolSink } = require(${JSON.stringify(path.join(__dirname, 'window-sink.js'))});
    const { BatchSpool } = require(${JSON.stringify(path.join(__dirname, '..', 'spool', 'batch-spool.js'))});
    const spool = new BatchSpool(${JSON.stringify(path.join(state, 'spool'))});
    const f = new LiveAuditFollower({ source: 'linux-audit', input: ${JSON.stringify(log)}, stateDir: ${JSON.stringify(state)},
      sink: spoolSink(spool, 'h'), windowMs: ${WINDOW_MS}, graceMs: 500, quietMs: 1e9 });
    setInterval(() => f.step(50000), 1);`;
  fs.mkdirSync(state, { recursive: true });
  const rand = rng(7);
  // The agent runs before records arrive: wait for its first checkpoint.
  const first = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  while (!fs.readdirSync(state).some((n) => n.startsWith('live-checkpoint-'))) await new Promise((r) => setTimeout(r, 20));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  let written = 0;
  let kills = 0;
  while (written < DATA.length) {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const n = (DATA.indexOf(10, Math.min(DATA.length - 1, written + 200_000 + Math.floor(rand() * 400_000))) + 1 || DATA.length) - written;
    fs.appendFileSync(log, DATA.subarray(written, written + n));
    written += n;
    if (rand() < 0.4) {
      // As auditd rotates (num_logs large enough that nothing unread is deleted).
      let top = 1;
      while (fs.existsSync(`${log}.${top}`)) top++;
      for (let i = top - 1; i >= 1; i--) fs.renameSync(`${log}.${i}`, `${log}.${i + 1}`);
      fs.renameSync(log, `${log}.1`);
      fs.writeFileSync(log, '');
    }
    await new Promise((r) => setTimeout(r, 30 + rand() * 250));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    kills++;
  }
  // A last, clean run to the end of input.
  const spool = new BatchSpool(path.join(state, 'spool'));
  let now = T0;
  const f = new LiveAuditFollower({
    source: 'linux-audit',
    input: log,
    stateDir: state,
    sink: spoolSink(spool, 'h'),
    windowMs: WINDOW_MS,
    graceMs: 500,
    now: () => now,
  });
  while (f.step().bytes > 0);
  now += 10_000;
  f.step();
  f.close();
  const batches = spool.unacked().map((b) => ({ ...b, keys: b.auditKeys }));
  spool.close();
  assert.ok(kills >= 3);
  assert.deepEqual(totalsOf(batches), EXPECTED);
  fs.rmSync(dir, { recursive: true, force: true });
});
