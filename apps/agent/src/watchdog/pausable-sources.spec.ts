import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DegradeController } from './degrade-controller';
import { RunnableSource, followDegradeSteps, pausableSources, sourcePriorities } from './pausable-sources';

/** A runner that runs until stopped, recording its life. */
function runner(label: string, events: string[]): RunnableSource {
  let done: (() => void) | undefined;
  const n = events.filter((e) => e.startsWith(`start ${label}`)).length + 1;
  return {
    label,
    run: () => {
      events.push(`start ${label}#${n}`);
      return new Promise<void>((r) => (done = r));
    },
    stop: () => {
      events.push(`stop ${label}#${n}`);
      done?.();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('the watchdog pauses the last-listed source by stopping its runner, and resumes it with a fresh one', async () => {
  const events: string[] = [];
  const labels = ['audit.log', 'fatrace', 'mdatp'];
  const sources = pausableSources(
    labels.map((l) => runner(l, events)),
    (i) => runner(labels[i], events),
  );
  assert.deepEqual(
    sourcePriorities(sources).map((p) => [p.name, p.priority]),
    [
      ['audit.log', 3],
      ['fatrace', 2],
      ['mdatp', 1],
    ],
  );
  const c = new DegradeController({
    baseWindowMs: 60_000,
    maxWindowMs: 60_000,
    limits: { maxCpuPercent: 10, maxRssBytes: 0, averageOverMs: 1_000 },
    recoverAfterMs: 1_000,
    sources: sourcePriorities(sources),
  });
  followDegradeSteps(c, sources);
  const running = sources.map((s) => s.run());
  await tick();
  let t = 0;
  let cpu = 0;
  const sample = (percent: number) => c.observe({ atMs: (t += 1_000), cpuMicros: (cpu += 1_000 * 10 * percent), rssBytes: 0 });
  sample(0);
  assert.deepEqual(sample(50), { kind: 'pause', source: 'mdatp' });
  assert.deepEqual(sample(50), { kind: 'pause', source: 'fatrace' });
  assert.equal(sample(50), undefined, 'the last source is never paused');
  await tick();
  assert.deepEqual(events, ['start audit.log#1', 'start fatrace#1', 'start mdatp#1', 'stop mdatp#1', 'stop fatrace#1']);
  assert.equal(sample(0), undefined, 'calm, but not for long enough yet');
  assert.deepEqual(sample(0), { kind: 'resume', source: 'fatrace' });
  await tick();
  assert.ok(events.includes('start fatrace#2'), events.join(', '));
  for (const s of sources) s.stop();
  await Promise.all(running);
  assert.ok(events.includes('stop fatrace#2') && events.includes('stop audit.log#1'));
  assert.ok(!events.includes('start mdatp#2'), 'a source paused when the agent stops is not restarted');
});
