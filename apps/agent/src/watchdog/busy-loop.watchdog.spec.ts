import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

/**
 * The real thing: a node process runs the agent's watchdog on its own
 * process.cpuUsage()/memoryUsage() (1 s average, sampled every 100 ms) and
 * then spins a busy loop (in slices, so the timers still fire, as the
 * agent's event loop would). The CPU limit must trip and be logged once as
 * a structured line; the same process idling must not trip it.
 */
function runChild(busyMs: number): { lines: Array<Record<string, unknown>>; stderr: string } {
  const script = `
    const { startWatchdog } = require(${JSON.stringify(path.join(__dirname, 'start-watchdog.js'))});
    const coarsen = [];
    const w = startWatchdog({
      baseWindowMs: 1000, maxWindowMs: 2000,
      limits: { maxCpuPercent: 10, maxRssBytes: 0, averageOverMs: 1000 },
      intervalMs: 100,
      spool: { setCoarsenMs: (ms) => coarsen.push(ms) },
      log: (l) => process.stderr.write(l + '\\n'),
    });
    const until = Date.now() + 1500 + ${busyMs};
    const started = Date.now();
    (function slice() {
      if (Date.now() >= until) { w.stop(); process.stdout.write(JSON.stringify({ coarsen, state: w.controller.state() })); return; }
      // Idle for the first 1.5 s, then busy: 20 ms of spinning per turn.
      if (Date.now() - started > 1500) { const end = Date.now() + 20; while (Date.now() < end) {} }
      setTimeout(slice, Date.now() - started > 1500 ? 0 : 50);
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { coarsen: number[]; state: { level: number } };
  const lines = r.stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines: [...lines, { result: out }], stderr: r.stderr };
}

test('a busy loop in the process trips the CPU limit: one structured degrade line, coarser windows', () => {
  const { lines, stderr } = runChild(4000);
  const degraded = lines.filter((l) => l.event === 'agent-degraded');
  assert.ok(degraded.length >= 1, stderr);
  assert.deepEqual(degraded[0].over, ['cpu']);
  assert.ok((degraded[0].cpuPercent as number) > 10, stderr);
  assert.deepEqual(degraded[0].change, { kind: 'window', windowMs: 2000 });
  // The cap is reached and there are no sources to pause: said once, not once per sample.
  assert.ok(lines.filter((l) => l.event === 'agent-degrade-exhausted').length <= 1, stderr);
  const result = lines.at(-1)!.result as { coarsen: number[]; state: { level: number } };
  // Coarser windows while degraded; stop() lets the last windows go out unheld.
  assert.deepEqual(result.coarsen, [2000, 0]);
  assert.equal(result.state.level, 1);
});

test('the same process idling stays under the limit', () => {
  const { lines, stderr } = runChild(0);
  assert.equal(lines.filter((l) => l.event === 'agent-degraded').length, 0, stderr);
});
