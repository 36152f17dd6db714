import assert from 'node:assert/strict';
import { ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Client } from 'pg';
import { useHubForAgents } from '../live/live-hub-harness';
import { recordedStream } from '../live/live-test-data';

/**
 * The watchdog wired into `run`: an agent following a real audit log with
 * a memory limit it cannot meet (--max-rss-mb 1) degrades at once to
 * coarser windows, says so in one structured line, and still delivers every
 * count to the hub (real hub, PostgreSQL), in fewer, longer batches.
 */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const AGENT = path.join(REPO, 'apps', 'agent', 'dist', 'main.js');
// The hub's spawner of the real agent (apps/hub/src/testing/agent-process.ts), loaded by path: an app does not import another.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { spawnAgentRun } = require(path.join(REPO, 'apps', 'hub', 'dist', 'testing', 'agent-process.js')) as {
  spawnAgentRun(o: object /* its AgentRunOptions */): { child: ChildProcess; output(): string };
};
const ENROLL = 'run-watchdog-enroll-secret-00000';

const live = useHubForAgents('agent_run_watchdog', 'ft-run-watchdog-hub-', { FLEETTUNE_ENROLL_SECRET: ENROLL });

function report(input: string): { events: number; execs: Array<{ path: string; count: number }> } {
  const r = spawnSync(process.execPath, [AGENT, 'report', '--source', 'linux-audit', '--input', input, '--json', '--top', '1000000'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { events: number; execs: Array<{ path: string; count: number }> };
}

test('run over its memory limit: one agent-degraded line, coarser batches, every count delivered', { timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-run-watchdog-'));
  const input = path.join(dir, 'audit.log');
  fs.writeFileSync(input, recordedStream(3));
  const want = report(input);
  const run = spawnAgentRun({
    hubAddress: live.hub.grpcAddress,
    enrollSecret: ENROLL,
    input,
    hostname: 'watchdog-host',
    stateDir: path.join(dir, 'state'),
    windowSeconds: 1,
    args: ['--max-rss-mb', '1'],
    env: { ...process.env, FLEETTUNE_COST: 'off' },
  });
  const agent = run.child;
  const exited = new Promise<number | null>((r) => agent.on('close', r));
  const pg = new Client({ connectionString: live.hub.dbUrl });
  await pg.connect();
  try {
    const sum = async () => Number((await pg.query<{ n: string | null }>('SELECT sum(events) AS n FROM ingest_batches')).rows[0].n ?? 0);
    const deadline = Date.now() + 90_000;
    while ((await sum()) < want.events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, run.output());
    const output = run.output();
    const degraded = output.split('\n').filter((l) => l.includes('"event":"agent-degraded"'));
    assert.equal(degraded.length, 1, output);
    const line = JSON.parse(degraded[0].slice(degraded[0].indexOf('{'))) as { over: string[]; change: unknown; rssMb: number };
    assert.deepEqual(line.over, ['rss']);
    assert.deepEqual(line.change, { kind: 'window', windowMs: 2000 });
    const totals = (
      await pg.query<{ events: string; dropped: string; batches: string; longest: string }>(
        'SELECT sum(events) AS events, sum(dropped) AS dropped, count(*) AS batches, max(extract(epoch FROM window_end - window_start)) AS longest FROM ingest_batches',
      )
    ).rows[0];
    assert.equal(Number(totals.events), want.events, output);
    assert.equal(Number(totals.dropped), 0);
    assert.equal(Number(totals.longest), 2, 'windows are sent as 2 s buckets');
    const rows = (await pg.query<{ path: string; n: string }>('SELECT path, sum(count) AS n FROM exec_counts GROUP BY path')).rows;
    const sorted = (xs: Array<[string, number]>) => xs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted(rows.map((r) => [r.path, Number(r.n)])), sorted(want.execs.map((e) => [e.path, e.count])));
  } finally {
    await pg.end();
    if (agent.exitCode === null) agent.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
