import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { debugLogWith } from '../sources/cisco-support-test-data';
import { hubTotals, hubUnavailable, reportTotals, runAgentOnce, useHubForAgents } from './live-hub-harness';

/**
 * Issue 19 item 7: `run --source cisco-support` streams the Support Tool
 * lists (execs.txt, fileops.txt) and whole support packages to a real hub,
 * counted exactly as `report` counts them (once per package), and an input
 * that yields nothing is warned about on stderr and in the host's agent status.
 */
const unavailable = hubUnavailable();
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const CISCO = path.join(REPO, 'libs', 'cisco', 'fixtures');

const live = useHubForAgents('agent_support_snapshot', 'ft-support-hub-');

let hostNo = 0;
async function runOnce(input: string, hostname = `support-${process.pid}-${++hostNo}`, stateDir = fs.mkdtempSync(path.join(live.dir, 'state-'))) {
  const r = await runAgentOnce(live, { source: 'cisco-support', input, hostname, stateDir });
  assert.equal(r.code, 0, r.output);
  return { hostname, stateDir, output: r.output };
}

async function query<T extends object>(sql: string, args: unknown[]): Promise<T[]> {
  const c = new Client({ connectionString: live.hub.dbUrl });
  await c.connect();
  try {
    return (await c.query<T>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

test(
  "run with execs.txt: every scan reaches the hub (report's counts), stamped over the 20 minutes before the list was written; a second run sends nothing again",
  { skip: unavailable, timeout: 180_000 },
  async () => {
    const input = path.join(live.dir, 'execs.txt');
    fs.copyFileSync(path.join(CISCO, 'execs.txt'), input);
    const written = Date.now() - 3600_000;
    fs.utimesSync(input, written / 1000, written / 1000);
    const host = await runOnce(input);
    const expected = await reportTotals('cisco-support', input);
    assert.equal(expected.events, 1523 + 1200 + 87 + 5);
    assert.deepEqual(await hubTotals(live.hub.dbUrl, host.hostname, 'cisco-support'), expected);
    const span = await query<{ first: Date; last: Date }>(
      `SELECT MIN(e.window_start) AS first, MAX(e.window_end) AS last FROM exec_counts e JOIN hosts h ON h.id = e.host_id WHERE h.hostname = $1`,
      [host.hostname],
    );
    assert.ok(
      span[0].first.getTime() >= written - 20 * 60_000 - 60_000 && span[0].last.getTime() <= written + 60_000,
      `windows ${span[0].first.toISOString()}..${span[0].last.toISOString()}`,
    );
    // Same file, same agent: the snapshot is not sent twice.
    await runOnce(input, host.hostname, host.stateDir);
    assert.deepEqual(await hubTotals(live.hub.dbUrl, host.hostname, 'cisco-support'), expected);
  },
);

test(
  'run with a whole support folder: lists and log counted once (999 writes, not 1,998), equal to report',
  { skip: unavailable, timeout: 180_000 },
  async () => {
    const pkg = path.join(live.dir, 'package');
    fs.mkdirSync(path.join(pkg, 'Library', 'Logs', 'Cisco'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'fileops.txt'), '/Users/dev/Library/Logs/Foo/foo.log\t999\n');
    fs.copyFileSync(path.join(CISCO, 'execs.txt'), path.join(pkg, 'execs.txt'));
    fs.writeFileSync(path.join(pkg, 'Library', 'Logs', 'Cisco', 'ampdaemon.log'), debugLogWith(999));
    const host = await runOnce(pkg);
    assert.match(host.output, /fileops counted once, from ampdaemon\.log/);
    const expected = await reportTotals('cisco-support', pkg);
    assert.deepEqual(
      expected.files.map((f) => [f.path, f.count]),
      [['/Users/dev/Library/Logs/Foo/foo.log', 999]],
    );
    assert.equal(expected.events, 999 + 1523 + 1200 + 87 + 5);
    assert.deepEqual(await hubTotals(live.hub.dbUrl, host.hostname, 'cisco-support'), expected);
  },
);

test('an input that yields no event is warned about on stderr and in the agent status the hub keeps', { skip: unavailable, timeout: 180_000 }, async () => {
  const input = path.join(live.dir, 'ampdaemon-info.log');
  // An ampdaemon.log not at Debug level: syslog lines, no Daemon Rx.
  fs.writeFileSync(
    input,
    Array.from(
      { length: 12 },
      (_, i) => `Aug 19 09:47:${String(i).padStart(2, '0')} devs-Mac.local [2537] [ampdaemon]:[info]-[daemon.c@1200]:[1]: heartbeat ${i}`,
    ).join('\n') + '\n',
  );
  const host = await runOnce(input);
  assert.match(host.output, /WARNING: cisco-support .*ampdaemon-info\.log: 0 events; 12 lines\/records skipped \(not-daemon-rx x12\)/);
  const totals = await hubTotals(live.hub.dbUrl, host.hostname, 'cisco-support');
  assert.deepEqual([totals.events, totals.skipped], [0, 12]);
  const st = await query<{ input_warnings: string[] }>(
    'SELECT s.input_warnings FROM host_agent_status s JOIN hosts h ON h.id = s.host_id WHERE h.hostname = $1',
    [host.hostname],
  );
  assert.equal(st.length, 1);
  assert.equal(st[0].input_warnings.length, 1);
  assert.match(st[0].input_warnings[0], /ampdaemon-info\.log: 0 events; 12 lines\/records skipped/);
});
