import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DegradeChange, DegradeController } from './degrade-controller';
import type { ResourceSample } from './resource-sample';
import { startWatchdog } from './start-watchdog';

const MB = 1024 * 1024;

/** A fake process: its CPU use per second and its RSS are set by the test. */
function fakeProcess() {
  let atMs = 0;
  let cpuMicros = 0;
  return {
    /** Advances time by `ms` at `percent` of one core. */
    run(ms: number, percent: number, rssMb = 50): ResourceSample {
      atMs += ms;
      cpuMicros += ms * 10 * percent;
      return { atMs, cpuMicros, rssBytes: rssMb * MB };
    },
  };
}

function controller(log: string[] = []) {
  return new DegradeController({
    baseWindowMs: 60_000,
    maxWindowMs: 240_000,
    limits: { maxCpuPercent: 10, maxRssBytes: 200 * MB, averageOverMs: 60_000 },
    sources: [
      { name: 'linux-audit', priority: 10 },
      { name: 'mdatp', priority: 5 },
      { name: 'fanotify', priority: 1 },
    ],
    recoverAfterMs: 300_000,
    log: (l) => log.push(l),
  });
}

/** Feeds 5-second samples for `ms` and returns the changes. */
function feed(c: DegradeController, p: ReturnType<typeof fakeProcess>, ms: number, percent: number, rssMb = 50): DegradeChange[] {
  const out: DegradeChange[] = [];
  for (let t = 0; t < ms; t += 5_000) {
    const ch = c.observe(p.run(5_000, percent, rssMb));
    if (ch) out.push(ch);
  }
  return out;
}

test('under its limits the agent is not degraded, and a short burst averaged over the minute is not judged', () => {
  const c = controller();
  const p = fakeProcess();
  c.observe(p.run(0, 0));
  assert.deepEqual(feed(c, p, 600_000, 8), []);
  // 10 s at 40% inside a minute otherwise at 2%: 8.3% on average.
  assert.deepEqual([...feed(c, p, 60_000, 2), ...feed(c, p, 10_000, 40), ...feed(c, p, 50_000, 2)], []);
  assert.equal(c.state().level, 0);
});

test('over the CPU limit: windows double up to the cap, then the lowest-priority sources pause (never the last), one step per minute', () => {
  const log: string[] = [];
  const c = controller(log);
  const p = fakeProcess();
  c.observe(p.run(0, 0));
  const changes = feed(c, p, 10 * 60_000, 30);
  assert.deepEqual(changes, [
    { kind: 'window', windowMs: 120_000 },
    { kind: 'window', windowMs: 240_000 },
    { kind: 'pause', source: 'fanotify' },
    { kind: 'pause', source: 'mdatp' },
  ]);
  assert.deepEqual(c.state(), { level: 4, windowMs: 240_000, pausedSources: ['fanotify', 'mdatp'] });
  assert.ok(c.isPaused('mdatp') && !c.isPaused('linux-audit'));
  // One structured line per step, one more when nothing is left to degrade; not one per sample.
  const events = log.map((l) => JSON.parse(l) as { event: string; cpuPercent: number; over: string[] });
  assert.deepEqual(
    events.map((e) => e.event),
    ['agent-degraded', 'agent-degraded', 'agent-degraded', 'agent-degraded', 'agent-degrade-exhausted'],
  );
  assert.ok(events[0].cpuPercent >= 29 && events[0].cpuPercent <= 31, String(events[0].cpuPercent));
  assert.deepEqual(events[0].over, ['cpu']);
  // Steps are a minute apart: the first after one averaged minute.
  assert.equal(changes.length, 4);
});

test('over the memory limit it degrades at once, then waits a period between steps', () => {
  const c = controller();
  const p = fakeProcess();
  c.observe(p.run(0, 0));
  assert.deepEqual(c.observe(p.run(5_000, 1, 300)), { kind: 'window', windowMs: 120_000 });
  assert.deepEqual(feed(c, p, 55_000, 1, 300), []);
  assert.deepEqual(c.observe(p.run(5_000, 1, 300)), { kind: 'window', windowMs: 240_000 });
});

test('calm for long enough, the steps are undone in reverse order', () => {
  const log: string[] = [];
  const c = controller(log);
  const p = fakeProcess();
  c.observe(p.run(0, 0));
  feed(c, p, 180_000, 30);
  assert.equal(c.state().level, 3);
  // 6% is under the limit but not calm (under half of it): nothing is undone.
  assert.deepEqual(feed(c, p, 20 * 60_000, 6), []);
  const back = feed(c, p, 40 * 60_000, 1);
  assert.deepEqual(back, [
    { kind: 'resume', source: 'fanotify' },
    { kind: 'window', windowMs: 120_000 },
    { kind: 'window', windowMs: 60_000 },
  ]);
  assert.deepEqual(c.state(), { level: 0, windowMs: 60_000, pausedSources: [] });
  assert.ok(log.some((l) => JSON.parse(l).event === 'agent-recovered'));
});

test('startWatchdog applies coarser windows to the spool and undoes them', () => {
  const p = fakeProcess();
  let sample = p.run(0, 0);
  const coarsen: number[] = [];
  const w = startWatchdog({
    baseWindowMs: 60_000,
    limits: { maxCpuPercent: 10, maxRssBytes: 0, averageOverMs: 60_000 },
    recoverAfterMs: 60_000,
    sampler: () => sample,
    spool: { setCoarsenMs: (ms) => coarsen.push(ms) },
    intervalMs: 3_600_000,
  });
  for (let i = 0; i < 13; i++) w.controller.observe((sample = p.run(5_000, 50)));
  for (let i = 0; i < 60; i++) w.controller.observe((sample = p.run(5_000, 0)));
  w.stop();
  // Degraded, recovered, and stop() (nothing held back any more).
  assert.deepEqual(coarsen, [120_000, 0, 0]);
});
