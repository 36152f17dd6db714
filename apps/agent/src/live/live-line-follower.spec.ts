import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WindowCounts } from '@fleettune/counting';
import { LiveLineCounter, LiveLineParserFactory } from './live-line-counter';
import { LiveLineFollower } from './live-line-follower';
import { liveLineParserFactory } from './live-line-sources';
import { totalsOf } from './live-test-data';
import { memorySink } from '../testing/memory-sink';
import { rng } from '../testing/seeded-random';
import { Crash, CrashPoint, crashFaults } from '../testing/simulated-crash';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const FATRACE_TT = fs.readFileSync(path.join(REPO, 'libs', 'fanotify', 'fixtures', 'recorded', 'text-tt-u.txt'));
const IOSNOOP = fs.readFileSync(path.join(REPO, 'libs', 'tracers', 'fixtures', 'iosnoop_public_examples.txt'));

/** The one-shot count of `data` by the same parser (the reference every live run must equal). */
function oneShot(source: string, data: Buffer, windowMs: number): WindowCounts[] {
  const c = new LiveLineCounter({ source, windowMs, graceMs: 0, makeParser: liveLineParserFactory(source)! });
  c.push(data);
  return c.end(true);
}

/** Totals over all windows (for sources whose rows have no date, so windows depend on when they were read). */
const allWindows = (ws: WindowCounts[]) => totalsOf(ws.map((w) => ({ ...w, windowStartMs: 0 })));

test('iosnoop: a restart in the middle of a section re-reads its column header (muted), so no row is lost or counted twice', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-line-'));
  const log = path.join(dir, 'iosnoop.txt');
  const sink = memorySink();
  let now = Date.now();
  const make = () =>
    new LiveLineFollower({
      source: 'dtrace-iosnoop',
      input: log,
      stateDir: path.join(dir, 'state'),
      sink,
      windowMs: 60_000,
      graceMs: 0,
      quietMs: 1,
      now: () => now,
      makeParser: liveLineParserFactory('dtrace-iosnoop')!,
    });
  // Cut inside the third section (DEVICE ... columns), mid-line.
  const cut = IOSNOOP.indexOf('fsflush /var/adm/utmpx') + 4;
  fs.writeFileSync(log, IOSNOOP.subarray(0, cut));
  const first = make();
  first.step();
  now += 3_600_000; // quiet for an hour: the open window completes and is checkpointed
  first.step();
  assert.ok(sink.windows.length > 0);
  first.close(); // a crash: nothing more is written
  fs.appendFileSync(log, IOSNOOP.subarray(cut));
  const second = make();
  second.finish();
  second.close();
  const expected = allWindows(oneShot('dtrace-iosnoop', IOSNOOP, 60_000));
  assert.deepEqual(allWindows(sink.windows), expected);
  assert.ok(
    expected.some((k) => k.includes('/var/adm/wtmpx')),
    'rows after the restart are counted',
  );
});

for (const seed of [1, 2, 3]) {
  test(`fanotify file: crash and restart anywhere (seed ${seed}), with rotations: no line lost or counted twice`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-line-'));
    const log = path.join(dir, 'fatrace.log');
    const sink = memorySink();
    const rand = rng(seed);
    let now = 1_795_499_242_000;
    let crashAt: CrashPoint;
    const windowMs = 20; // fatrace -tt times: many windows within the quarter second recorded
    const makeParser: LiveLineParserFactory = liveLineParserFactory('fanotify')!;
    const make = () =>
      new LiveLineFollower({
        source: 'fanotify',
        input: log,
        stateDir: path.join(dir, 'state'),
        sink,
        windowMs,
        graceMs: 10,
        quietMs: 1000,
        now: () => now,
        makeParser,
        faults: crashFaults(() => crashAt),
      });
    fs.writeFileSync(log, '');
    let f = make();
    let written = 0;
    let crashes = 0;
    let rotations = 0;
    while (written < FATRACE_TT.length) {
      const rotate = rand() < 0.1;
      let n = Math.min(FATRACE_TT.length - written, 1 + Math.floor(rand() * 4000));
      if (rotate) n = FATRACE_TT.indexOf(10, written + n - 1) + 1 - written || FATRACE_TT.length - written;
      fs.appendFileSync(log, FATRACE_TT.subarray(written, written + n));
      written += n;
      if (rotate) {
        fs.renameSync(log, `${log}.1`);
        fs.writeFileSync(log, '');
        rotations++;
      }
      now += Math.floor(rand() * 1500);
      const r = rand();
      crashAt = r < 0.15 ? 'checkpoint' : r < 0.3 ? 'append' : undefined;
      try {
        f.step();
      } catch (err) {
        if (!(err instanceof Crash)) throw err;
        crashes++;
        f.close();
        crashAt = undefined;
        f = make();
      }
    }
    crashAt = undefined;
    f.finish();
    f.close();
    assert.ok(crashes > 0 && rotations > 0, `crashes ${crashes}, rotations ${rotations}`);
    assert.deepEqual(totalsOf(sink.windows), totalsOf(oneShot('fanotify', FATRACE_TT, windowMs)));
  });
}
