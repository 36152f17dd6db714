import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { HubProcess, REPO, runAgent, spawnAgent, startHubProcess, renderTable } from '@fleettune/demo';

/**
 * `npm run test:chaos`: real hub processes, the real PostgreSQL and Redis,
 * agents replaying real audit logs; after each failure the fleet totals must
 * equal the totals counted directly from the input logs (0 lost, 0 doubled).
 */

const LOGS = ['web-01', 'web-02', 'build-03'].map((h) => ({
  hostname: h,
  log: path.join(REPO, 'tools/demo/logs', `${h}.audit.log`),
}));
const ENROLL = 'chaos-enroll-secret-0123456789';
const ADMIN = 'chaos-admin-token-0123456789ab';
// One-second windows make many batches, so failures land mid-stream.
const WINDOW_SECONDS = '1';

interface Totals {
  events: number;
  execs: number;
  files: number;
}

interface ScenarioResult {
  scenario: string;
  expected: Totals;
  got: Totals;
  note: string;
}

const log = (msg: string) => process.stderr.write(`chaos: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** What the input logs hold, counted by the agent's own parser without any network in between. */
async function expectedTotals(): Promise<Totals> {
  const t: Totals = { events: 0, execs: 0, files: 0 };
  for (const h of LOGS) {
    const res = await runAgent(['report', '--source', 'linux-audit', '--input', h.log, '--json', '--top', '1000000']);
    if (res.code !== 0) throw new Error(`report failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout) as { events: number; execs: Array<{ count: number }>; files: Array<{ count: number }> };
    t.events += r.events;
    t.execs += r.execs.reduce((a, x) => a + x.count, 0);
    t.files += r.files.reduce((a, x) => a + x.count, 0);
  }
  return t;
}

async function storedTotals(url: string): Promise<Totals> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => Number((await c.query<{ n: string | null }>(sql)).rows[0].n ?? 0);
    return {
      events: await q('SELECT SUM(events)::text AS n FROM ingest_batches'),
      execs: await q('SELECT SUM(count)::text AS n FROM exec_counts'),
      files: await q('SELECT SUM(count)::text AS n FROM file_counts'),
    };
  } finally {
    await c.end();
  }
}

async function batchesStored(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('SELECT COUNT(*)::text AS n FROM ingest_batches')).rows[0].n);
  } finally {
    await c.end();
  }
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

class Fleet {
  hub?: HubProcess;
  readonly stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-chaos-'));

  private constructor(
    readonly name: string,
    readonly db: TestDatabase,
    readonly httpPort: number,
    readonly grpcPort: number,
  ) {}

  static async create(name: string): Promise<Fleet> {
    return new Fleet(name, await createMigratedTestDatabase(`chaos_${name}`), await freePort(), await freePort());
  }

  async startHub(): Promise<void> {
    this.hub = await startHubProcess(
      {
        DATABASE_URL: this.db.url,
        HTTP_PORT: String(this.httpPort),
        GRPC_PORT: String(this.grpcPort),
        BIND_HOST: '127.0.0.1',
        FLEETTUNE_ADMIN_TOKEN: ADMIN,
        FLEETTUNE_ENROLL_SECRET: ENROLL,
        FLEETTUNE_QUEUE_PREFIX: `chaos-${this.name}-${process.pid}`,
        FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'error',
      },
      { timeoutMs: 60_000 },
    );
  }

  agentArgs(h: (typeof LOGS)[number]): string[] {
    return [
      'run', '--hub', `127.0.0.1:${this.grpcPort}`, '--enroll-secret', ENROLL, '--source', 'linux-audit',
      '--input', h.log, '--hostname', h.hostname, '--state-dir', path.join(this.stateRoot, h.hostname),
      '--once', '--window-seconds', WINDOW_SECONDS,
    ];
  }

  async close(): Promise<void> {
    if (this.hub) await this.hub.stop();
    await this.db.drop();
    fs.rmSync(this.stateRoot, { recursive: true, force: true });
  }
}

async function replayAll(fleet: Fleet): Promise<void> {
  const runs = await Promise.all(LOGS.map((h) => runAgent(fleet.agentArgs(h))));
  runs.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
}

/** kill -9 the hub while agents stream; a new hub on the same ports takes over. */
async function hubKilledMidStream(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  const agents = LOGS.map((h) => spawnAgent(fleet.agentArgs(h)));
  await waitFor('the first committed batch', async () => (await batchesStored(fleet.db.url)) > 0);
  const before = await batchesStored(fleet.db.url);
  fleet.hub!.child.kill('SIGKILL');
  await new Promise((r) => fleet.hub!.child.once('exit', r));
  await sleep(1_000);
  await fleet.startHub();
  const results = await Promise.all(agents.map((a) => a.done));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
  return `hub killed after ${before} of ${await batchesStored(fleet.db.url)} batches`;
}

function pgCtl(action: 'restart' | 'start'): void {
  execSync(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main ${action}`, { stdio: 'ignore' });
}

/** PostgreSQL restarts under a streaming hub; ingest fails, agents retry, nothing is lost or doubled. */
async function postgresRestartMidStream(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  const agents = LOGS.map((h) => spawnAgent(fleet.agentArgs(h)));
  await waitFor('the first committed batch', async () => (await batchesStored(fleet.db.url)) > 0);
  const before = await batchesStored(fleet.db.url);
  pgCtl('restart');
  const results = await Promise.all(agents.map((a) => a.done));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
  return `PostgreSQL restarted after ${before} batches`;
}

/** Redis is down for 30 s: ingest does not need it; the exclusion job runs once it is back. */
async function redisDown(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  execSync('redis-cli -h 127.0.0.1 -p 6379 shutdown nosave', { stdio: 'ignore' });
  const started = Date.now();
  try {
    await replayAll(fleet);
    await sleep(Math.max(0, 30_000 - (Date.now() - started)));
  } finally {
    execSync('redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no', { stdio: 'ignore' });
    await waitFor('Redis', async () => {
      try {
        execSync('redis-cli -h 127.0.0.1 -p 6379 ping', { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
  }
  const res = await fetch(`${fleet.hub!.httpUrl}/api/v1/exclusion-sets/recompute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  if (!res.ok) throw new Error(`recompute after Redis came back: HTTP ${res.status}`);
  return `Redis down ${Math.round((Date.now() - started) / 1000)} s; recompute accepted after`;
}

/** Enrolled agents lose the hub, spool their windows meanwhile, then drain the backlog. */
async function agentsCutOff(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  // Enroll each agent on an empty input, so only the outage is left to test.
  const empty = path.join(fleet.stateRoot, 'empty.log');
  fs.writeFileSync(empty, '');
  for (const h of LOGS) {
    const args = fleet.agentArgs(h);
    args[args.indexOf('--input') + 1] = empty;
    const r = await runAgent(args);
    if (r.code !== 0) throw new Error(`enrolling ${h.hostname}: ${r.stderr}`);
  }
  await fleet.hub!.stop();
  const agents = LOGS.map((h) => spawnAgent(fleet.agentArgs(h)));
  await sleep(8_000);
  const spooled = LOGS.map((h) => {
    try {
      return fs.statSync(path.join(fleet.stateRoot, h.hostname, 'spool', 'batches.spool')).size;
    } catch {
      return 0;
    }
  });
  await fleet.startHub();
  const results = await Promise.all(agents.map((a) => a.done));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
  return `hub down 8 s while agents spooled ${spooled.reduce((a, b) => a + b, 0)} bytes, then drained`;
}

/** kill -9 an agent while it works, start it again on the same state dir. */
async function agentKilledMidRun(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  const kills: string[] = [];
  await Promise.all(
    LOGS.map(async (h, i) => {
      const first = spawnAgent(fleet.agentArgs(h));
      await sleep(300 + i * 250);
      first.child.kill('SIGKILL');
      const r1 = await first.done;
      kills.push(r1.signal === 'SIGKILL' ? 'killed' : `exited ${r1.code}`);
      const again = await runAgent(fleet.agentArgs(h));
      if (again.code !== 0) throw new Error(`agent ${h.hostname} rerun exited ${again.code}: ${again.stderr.slice(-2000)}`);
    }),
  );
  return `agents: ${kills.join(', ')}; rerun on the same state dirs`;
}

const SCENARIOS: Array<[string, (f: Fleet) => Promise<string>]> = [
  ['kill -9 hub mid-stream', hubKilledMidStream],
  ['restart PostgreSQL mid-stream', postgresRestartMidStream],
  ['Redis down 30 s', redisDown],
  ['agents cut off, then backlog', agentsCutOff],
  ['kill -9 agent mid-run', agentKilledMidRun],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const expected = await expectedTotals();
  log(`expected from the logs: ${JSON.stringify(expected)}`);
  const results: ScenarioResult[] = [];
  let failed = 0;
  for (const [name, run] of SCENARIOS) {
    if (only.length && !only.some((o) => name.includes(o))) continue;
    log(`scenario: ${name}`);
    const fleet = await Fleet.create(name.replace(/[^a-z0-9]+/gi, '_').toLowerCase());
    let note: string;
    let got: Totals = { events: -1, execs: -1, files: -1 };
    try {
      note = await run(fleet);
      got = await storedTotals(fleet.db.url);
    } catch (err) {
      note = `ERROR: ${(err as Error).message.split('\n')[0]}`;
      try {
        got = await storedTotals(fleet.db.url);
      } catch {
        /* keep -1 */
      }
    } finally {
      await fleet.close().catch(() => undefined);
    }
    const ok = got.events === expected.events && got.execs === expected.execs && got.files === expected.files && !note.startsWith('ERROR');
    if (!ok) failed++;
    results.push({ scenario: name, expected, got, note });
  }
  const diff = (g: number, e: number) => (g < e ? `${e - g} lost` : g > e ? `${g - e} doubled` : '0 lost, 0 doubled');
  process.stdout.write(
    '\n' +
      renderTable(
        ['scenario', 'expected events', 'got events', 'expected execs', 'got execs', 'expected files', 'got files', 'verdict', 'what happened'],
        results.map((r) => [
          r.scenario,
          r.expected.events,
          r.got.events,
          r.expected.execs,
          r.got.execs,
          r.expected.files,
          r.got.files,
          [diff(r.got.events, r.expected.events), diff(r.got.execs, r.expected.execs), diff(r.got.files, r.expected.files)].every((d) => d === '0 lost, 0 doubled')
            ? '0 lost, 0 doubled'
            : `events ${diff(r.got.events, r.expected.events)}; execs ${diff(r.got.execs, r.expected.execs)}`,
          r.note,
        ]),
      ) +
      '\n',
  );
  process.stdout.write(`chaos: ${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos suite failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
