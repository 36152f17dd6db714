import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MdatpRtpCounter, MdatpRtpPoll } from './mdatp-rtp-statistics-parser';
import { MdatpRtpDelta, MdatpRtpDeltaTracker } from './mdatp-rtp-delta-tracker';

let index = 0;
const c = (
  pid: number,
  files: number,
  timeNs = files * 10,
  path: string | null = `/p${pid}`,
  name: string | null = path ? path.slice(1) : null,
): MdatpRtpCounter => ({
  pid,
  name,
  path,
  filesScanned: files,
  scanTimeNs: BigInt(timeNs),
  maxFileScanTimeNs: 0n,
});
const poll = (counters: MdatpRtpCounter[], complete = true): MdatpRtpPoll => ({ index: index++, counters, complete, format: 'json' });
const brief = (ds: MdatpRtpDelta[]) => ds.map((d) => [d.pid, d.filesScanned, d.scanTimeNs, d.kind]);

test('first poll: the counters since the daemon started; then new - old', () => {
  const t = new MdatpRtpDeltaTracker();
  assert.deepEqual(brief(t.add(poll([c(1, 10), c(2, 5)])).deltas), [
    [1, 10, 100, 'first'],
    [2, 5, 50, 'first'],
  ]);
  const r = t.add(poll([c(1, 15), c(2, 5), c(3, 2)]));
  assert.equal(r.daemonRestart, false);
  assert.deepEqual(brief(r.deltas), [
    [1, 5, 50, 'delta'],
    [3, 2, 20, 'new'],
  ]); // unchanged pid 2 left out
});

test("firstPoll 'baseline' only remembers the first poll", () => {
  const t = new MdatpRtpDeltaTracker({ firstPoll: 'baseline' });
  assert.deepEqual(t.add(poll([c(1, 10)])).deltas, []);
  assert.deepEqual(brief(t.add(poll([c(1, 12)])).deltas), [[1, 2, 20, 'delta']]);
});

test('daemon restart (most shared counters go down): the new counters are the deltas since the restart', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(1, 100), c(2, 50), c(3, 40)]));
  const r = t.add(poll([c(1, 3), c(2, 70), c(4, 1)])); // pid 2 grew past its old value after the restart
  assert.equal(r.daemonRestart, false); // 1 of 2 shared went down: not a majority
  const t2 = new MdatpRtpDeltaTracker();
  t2.add(poll([c(1, 100), c(2, 50), c(3, 40)]));
  const r2 = t2.add(poll([c(1, 3), c(2, 7), c(3, 45), c(4, 1)]));
  assert.equal(r2.daemonRestart, true);
  assert.deepEqual(brief(r2.deltas), [
    [1, 3, 30, 'daemon-restart'],
    [2, 7, 70, 'daemon-restart'],
    [3, 45, 450, 'daemon-restart'],
    [4, 1, 10, 'new'],
  ]);
  // after the restart, deltas continue from the new values, and forgotten pids count whole if they come back
  t2.add(poll([c(1, 5), c(2, 7), c(3, 45)]));
  t2.add(poll([c(1, 5)]));
  assert.deepEqual(brief(t2.add(poll([c(1, 9), c(2, 8)])).deltas), [
    [1, 4, 40, 'delta'],
    [2, 1, 10, 'delta'],
  ]);
});

test('a single counter going down (pid reused by the same program) counts whole, the others stay deltas', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(1, 100), c(2, 50), c(3, 40)]));
  const r = t.add(poll([c(1, 110), c(2, 4), c(3, 41)]));
  assert.equal(r.daemonRestart, false);
  assert.deepEqual(brief(r.deltas), [
    [1, 10, 100, 'delta'],
    [2, 4, 40, 'counter-reset'],
    [3, 1, 10, 'delta'],
  ]);
});

test('scan time going down alone also means the counter restarted', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(1, 10, 1000), c(2, 10, 1000), c(3, 10, 1000)]));
  assert.deepEqual(brief(t.add(poll([c(1, 12, 900), c(2, 11, 1100), c(3, 11, 1100)])).deltas), [
    [1, 12, 900, 'counter-reset'],
    [2, 1, 100, 'delta'],
    [3, 1, 100, 'delta'],
  ]);
});

test('pid reused by another program counts whole and takes the new path', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(1, 100, 1000, '/bin/a')]));
  const r = t.add(poll([c(1, 120, 1200, '/bin/b')]));
  assert.deepEqual(
    r.deltas.map((d) => [d.path, d.filesScanned, d.kind]),
    [['/bin/b', 120, 'pid-reused']],
  );
});

test('a process that exited (null name/path) keeps its path and counts only its growth', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(7, 10, 100, '/usr/bin/x', 'x')]));
  const r = t.add(poll([c(7, 12, 120, null, null)]));
  assert.deepEqual(
    r.deltas.map((d) => [d.pid, d.name, d.path, d.filesScanned, d.kind]),
    [[7, 'x', '/usr/bin/x', 2, 'delta']],
  );
});

test('pids missing from an incomplete poll are neither gone nor reset', () => {
  const t = new MdatpRtpDeltaTracker();
  t.add(poll([c(1, 10), c(2, 20)]));
  assert.deepEqual(brief(t.add(poll([c(1, 11)], false)).deltas), [[1, 1, 10, 'delta']]);
  assert.deepEqual(brief(t.add(poll([c(1, 11), c(2, 25)])).deltas), [[2, 5, 50, 'delta']]);
});

test('memory is bounded: the least recently seen pids are forgotten first', () => {
  const t = new MdatpRtpDeltaTracker({ maxTrackedPids: 3 });
  t.add(poll([c(1, 1), c(2, 1), c(3, 1), c(4, 1)]));
  assert.equal(t.trackedPids, 3);
  assert.deepEqual(brief(t.add(poll([c(1, 5)])).deltas), [[1, 5, 50, 'new']]); // pid 1 was forgotten: whole
});

test('state export/import: an agent restart neither re-sends nor loses counts', () => {
  const a = new MdatpRtpDeltaTracker();
  a.add(poll([c(1, 10, 5), c(2, 20)]));
  const b = new MdatpRtpDeltaTracker();
  b.importState(JSON.parse(JSON.stringify(a.exportState())));
  assert.deepEqual(brief(b.add(poll([c(1, 15, 9), c(2, 20)])).deltas), [[1, 5, 4, 'delta']]);
});

/**
 * Model: processes scan files between polls; sometimes the daemon restarts
 * (every counter reset, only processes that scan again listed); polls may be
 * incomplete. Checks, for every poll and pid, 0 <= delta <= the scans that
 * really happened since that pid was last polled (never negative, never
 * doubled), and exactness without restarts.
 */
const step = fc.record({
  scans: fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 50 })), { maxLength: 6 }),
  restart: fc.boolean(),
  dropped: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
});

function simulate(steps: Array<{ scans: Array<[number, number]>; restart: boolean; dropped: number[] }>, allowRestart: boolean) {
  const t = new MdatpRtpDeltaTracker();
  const counters = new Map<number, number>(); // daemon's view
  const trueSince = new Map<number, number>(); // real scans since the pid was last polled
  let total = 0;
  let sum = 0;
  for (const s of steps) {
    if (allowRestart && s.restart) counters.clear();
    for (const [pid, n] of s.scans) {
      counters.set(pid, (counters.get(pid) ?? 0) + n);
      trueSince.set(pid, (trueSince.get(pid) ?? 0) + n);
      total += n;
    }
    const listed = [...counters].filter(([pid]) => !s.dropped.includes(pid));
    const r = t.add(
      poll(
        listed.map(([pid, n]) => c(pid, n)),
        s.dropped.length === 0,
      ),
    );
    for (const d of r.deltas) {
      assert.ok(d.filesScanned >= 0 && d.scanTimeNs >= 0, 'never negative');
      assert.ok(d.filesScanned <= (trueSince.get(d.pid) ?? 0), `pid ${d.pid}: delta ${d.filesScanned} > real ${trueSince.get(d.pid)} (doubled)`);
      sum += d.filesScanned;
    }
    for (const [pid] of listed) trueSince.set(pid, 0);
  }
  return { total, sum, unpolled: [...trueSince.values()].reduce((a, b) => a + b, 0) };
}

test('property: without restarts the deltas add up exactly to every scan polled', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 15 }), (steps) => {
      const { total, sum, unpolled } = simulate(steps, false);
      assert.equal(sum, total - unpolled);
    }),
    { numRuns: 300 },
  );
});

test('property: with daemon restarts and incomplete polls, deltas are never negative and never doubled', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 15 }), (steps) => {
      const { total, sum } = simulate(steps, true);
      assert.ok(sum <= total);
    }),
    { numRuns: 500 },
  );
});

test('property: a restart right after a poll, seen by every shared counter, loses nothing', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 8 }),
      (before, after) => {
        const t = new MdatpRtpDeltaTracker();
        t.add(poll(before.map((n, i) => c(i + 1, n + 100))));
        // after the restart every listed counter is smaller than before (< 100 <= old)
        const r = t.add(poll(after.map((n, i) => c(i + 1, n))));
        const listedShared = Math.min(before.length, after.length);
        const down = after.slice(0, listedShared).length;
        if (down > 0) assert.equal(r.daemonRestart, true);
        assert.equal(
          r.deltas.reduce((a, d) => a + d.filesScanned, 0),
          after.reduce((a, b) => a + b, 0),
        );
      },
    ),
    { numRuns: 300 },
  );
});
