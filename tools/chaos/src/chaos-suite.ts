import { ChildProcess, execSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createMigratedTestDatabase, findPgBouncer, freePort, PgBouncerProcess, startPgBouncer, TestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { AgentRun, HubProcess, REPO, replayOnceArgs, runAgent, spawnAgent, startHubProcess, renderTable, throwAwayHubEnv } from '@fleettune/demo';

/**
 * `npm run test:chaos`: real hub processes, the real PostgreSQL and Redis,
 * agents replaying real audit logs; after each failure the fleet totals must
 * equal the totals counted directly from the input logs (0 lost, 0 doubled).
 */

interface LogInput {
  hostname: string;
  log: string;
}

const LOGS: LogInput[] = ['web-01', 'web-02', 'build-03'].map((h) => ({
  hostname: h,
  log: path.join(REPO, 'tools/demo/logs', `${h}.audit.log`),
}));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-chaos-inputs-'));
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

/** What the input logs hold, counted by the agent's own parser without any network in between. */
async function expectedTotals(logs: LogInput[]): Promise<Totals> {
  const t: Totals = { events: 0, execs: 0, files: 0 };
  for (const h of logs) {
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
  return withDatabaseClient(url, async (c) => {
    const q = async (sql: string) => Number((await c.query<{ n: string | null }>(sql)).rows[0].n ?? 0);
    return {
      events: await q('SELECT SUM(events)::text AS n FROM ingest_batches'),
      execs: await q('SELECT SUM(count)::text AS n FROM exec_counts'),
      files: await q('SELECT SUM(count)::text AS n FROM file_counts'),
    };
  });
}

async function batchesStored(url: string): Promise<number> {
  return withDatabaseClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT COUNT(*)::text AS n FROM ingest_batches')).rows[0].n));
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A scenario that takes longer than this is stuck (agents retrying a hub that is gone): fail it, do not hang CI. */
const SCENARIO_TIMEOUT_MS = 240_000;

/** How a hub process ended: its exit code or signal, and how long after it was told to stop. */
interface HubExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

class Fleet {
  /**
   * The scenario's hub replicas by index, all over one database (issue 17).
   * Each replica keeps its ports across restarts, so the agents' --hub list stays true.
   */
  readonly hubs: Array<HubProcess | undefined> = [];
  private readonly ports: Array<{ http: number; grpc: number }> = [];
  /** The last hub output (all hubs of the scenario), shown when a scenario fails. */
  hubOutput = '';
  /** Hub processes stopped or killed on purpose. */
  private readonly exitExpected = new WeakSet<ChildProcess>();
  private rejectOnHubDeath?: (err: Error) => void;
  /** Rejects when a hub exits that nobody stopped or killed on purpose (a crash). */
  readonly hubDeath = new Promise<never>((_, reject) => (this.rejectOnHubDeath = reject));
  readonly agents: ChildProcess[] = [];
  readonly stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-chaos-'));

  private constructor(
    readonly name: string,
    readonly db: TestDatabase,
    /** Issue 17: the hubs' DATABASE_URL goes through this PgBouncer (transaction mode); DATABASE_DIRECT_URL stays on PostgreSQL. */
    readonly bouncer?: PgBouncerProcess,
  ) {}

  static async create(name: string, o: { pgbouncer?: boolean } = {}): Promise<Fleet> {
    const db = await createMigratedTestDatabase(`chaos_${name}`);
    try {
      // A pool of 4 server connections under the hubs' 10 + 10 clients each: they really share them.
      return new Fleet(name, db, o.pgbouncer ? await startPgBouncer({ poolMode: 'transaction', poolSize: PGBOUNCER_POOL_SIZE }) : undefined);
    } catch (err) {
      await db.drop();
      throw err;
    }
  }

  /** Replica 0, the only hub of the single-hub scenarios. */
  get hub(): HubProcess | undefined {
    return this.hubs[0];
  }

  /** Starts replica `replica` (0 unless the scenario runs several) on its own ports, the same ones on a restart. */
  async startHub(extraEnv: Record<string, string> = {}, replica = 0): Promise<HubProcess> {
    this.ports[replica] ??= { http: await freePort(), grpc: await freePort() };
    const { http, grpc } = this.ports[replica];
    const hub = await startHubProcess(
      throwAwayHubEnv(this.bouncer ? this.bouncer.url(this.db.name) : this.db.url, `chaos-${this.name}`, {
        DATABASE_DIRECT_URL: this.db.url,
        HTTP_PORT: String(http),
        GRPC_PORT: String(grpc),
        FLEETTUNE_ADMIN_TOKEN: ADMIN,
        FLEETTUNE_ENROLL_SECRET: ENROLL,
        LOG_LEVEL: 'error',
        ...extraEnv,
      }),
      {
        timeoutMs: 60_000,
        logTo: new Writable({
          write: (chunk: Buffer, _enc, done) => {
            this.hubOutput = (this.hubOutput + `[hub ${replica}] ${chunk.toString()}`).slice(-20_000);
            done();
          },
        }),
      },
    );
    this.hubs[replica] = hub;
    hub.child.once('exit', (code, signal) => {
      if (!this.exitExpected.has(hub.child)) this.rejectOnHubDeath?.(new Error(`hub ${replica} exited on its own (code ${code}, signal ${signal})`));
    });
    return hub;
  }

  /** kill -9 of a hub, on purpose. */
  async killHub(replica = 0): Promise<void> {
    const child = this.hubs[replica]!.child;
    this.exitExpected.add(child);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * A clean hub stop, on purpose: SIGTERM, then SIGKILL if the hub is still there after `graceMs`.
   * Says how it ended, so a scenario can check the hub drained and exited by itself.
   */
  async stopHub(replica = 0, graceMs = 10_000): Promise<HubExit> {
    const child = this.hubs[replica]!.child;
    this.exitExpected.add(child);
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, ms: 0 };
    const started = Date.now();
    const exited = new Promise<HubExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started })));
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The agents' --hub: every replica of the scenario. */
  hubAddresses(): string {
    return this.ports.map((p) => `127.0.0.1:${p.grpc}`).join(',');
  }

  spawnAgents(): AgentRun[] {
    const runs = LOGS.map((h) => spawnAgent(this.agentArgs(h)));
    this.agents.push(...runs.map((r) => r.child));
    return runs;
  }

  agentArgs(h: LogInput): string[] {
    return [
      ...replayOnceArgs({
        hub: this.hubAddresses(),
        enrollSecret: ENROLL,
        input: h.log,
        hostname: h.hostname,
        stateDir: path.join(this.stateRoot, h.hostname),
      }),
      '--window-seconds',
      WINDOW_SECONDS,
    ];
  }

  async close(): Promise<void> {
    for (const a of this.agents) if (a.exitCode === null) a.kill('SIGKILL');
    for (const hub of this.hubs) {
      if (!hub || hub.child.exitCode !== null || hub.child.signalCode !== null) continue;
      this.exitExpected.add(hub.child);
      await hub.stop();
    }
    await this.db.drop();
    await this.bouncer?.stop();
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
  const agents = fleet.spawnAgents();
  await waitFor('the first committed batch', async () => (await batchesStored(fleet.db.url)) > 0);
  const before = await batchesStored(fleet.db.url);
  await fleet.killHub();
  await sleep(1_000);
  await fleet.startHub();
  const results = await Promise.all(agents.map((a) => a.done));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
  return `hub killed after ${before} of ${await batchesStored(fleet.db.url)} batches`;
}

/**
 * Hub replicas of the replica scenarios (issue 17). Each grants one agent 2
 * batches/s after a burst of 1, so an agent's ~25 one-second windows take
 * over 10 s to send: a replica is stopped while streams are open, on a fast
 * machine too, and a rolling restart reaches the second replica before the
 * agents are done. Per replica: an agent that moves gets a fresh allowance.
 */
const REPLICAS = [0, 1];
const REPLICA_ENV = { FLEETTUNE_AGENT_BATCHES_PER_SECOND: '2', FLEETTUNE_AGENT_BATCH_BURST: '1' };
/** Kubernetes' default terminationGracePeriodSeconds: a replica given SIGTERM that is not gone by then gets SIGKILL. */
const SIGTERM_GRACE_MS = 30_000;

/** One replica's view from its /metrics: upload streams open now, batches it committed and batches it saw again (resends). */
async function replicaIngest(hub: HubProcess): Promise<{ streams: number; committed: number; duplicates: number }> {
  const text = await (await fetch(`${hub.httpUrl}/metrics`)).text();
  const metric = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    streams: metric(/^fleettune_grpc_upload_streams_active (\S+)/m),
    committed: metric(/^fleettune_ingest_batches_total\{outcome="committed"\} (\S+)/m),
    duplicates: metric(/^fleettune_ingest_batches_total\{outcome="duplicate"\} (\S+)/m),
  };
}

/** Waits for the fleet to be mid-stream (batches stored, upload streams open) and names the replica holding the most streams. */
async function busiestReplica(fleet: Fleet): Promise<{ replica: number; streams: number }> {
  let found: { replica: number; streams: number } | undefined;
  await waitFor('batches stored and a replica with open upload streams', async () => {
    if ((await batchesStored(fleet.db.url)) === 0) return false;
    const open = await Promise.all(REPLICAS.map(async (r) => (await replicaIngest(fleet.hubs[r]!)).streams));
    const replica = open.indexOf(Math.max(...open));
    if (open[replica] > 0) found = { replica, streams: open[replica] };
    return found !== undefined;
  });
  return found!;
}

async function agentsSucceeded(agents: AgentRun[]): Promise<Array<{ stderr: string }>> {
  const results = await Promise.all(agents.map((a) => a.done));
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${LOGS[i].hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  });
  return results;
}

/** Two replicas over one database, agents given both; kill -9 the one streaming most; the agents move to the other. */
async function replicaKilledMidStream(fleet: Fleet): Promise<string> {
  await Promise.all(REPLICAS.map((r) => fleet.startHub(REPLICA_ENV, r)));
  const agents = fleet.spawnAgents();
  const victim = await busiestReplica(fleet);
  const survivor = fleet.hubs[1 - victim.replica]!;
  const survivorBefore = await replicaIngest(survivor);
  await fleet.killHub(victim.replica);
  const atKill = await batchesStored(fleet.db.url);
  const results = await agentsSucceeded(agents);
  const survivorAfter = await replicaIngest(survivor);
  // An agent on the killed replica saw its stream break and retried; it can only have finished through the survivor.
  const moved = results.filter((r) => r.stderr.includes('upload interrupted')).length;
  const stored = await batchesStored(fleet.db.url);
  if (moved === 0) throw new Error(`no agent saw its stream break: replica ${victim.replica} was not killed mid-stream`);
  if (stored <= atKill) throw new Error(`all ${stored} batches were stored before the kill: not mid-stream`);
  return (
    `replica ${victim.replica} killed with ${victim.streams} upload streams open, ${atKill} of ${stored} batches stored; ` +
    `${moved} agents moved to replica ${1 - victim.replica}, which committed ${survivorAfter.committed - survivorBefore.committed} batches after ` +
    `and saw ${survivorAfter.duplicates - survivorBefore.duplicates} resent batches again`
  );
}

/** SIGTERM one replica, with the same grace an orchestrator gives; it must drain and exit 0 by itself. */
async function restartReplica(fleet: Fleet, replica: number): Promise<string> {
  const exit = await fleet.stopHub(replica, SIGTERM_GRACE_MS);
  // Nest's shutdown hooks end the process by raising the signal again once the app has closed: a clean exit is code 0 or SIGTERM.
  if (exit.signal === 'SIGKILL' || (exit.code !== 0 && exit.signal !== 'SIGTERM')) {
    throw new Error(`replica ${replica} did not drain and exit by itself on SIGTERM (code ${exit.code}, signal ${exit.signal}, after ${exit.ms} ms)`);
  }
  const startedAt = Date.now();
  await fleet.startHub(REPLICA_ENV, replica);
  return `replica ${replica} drained in ${(exit.ms / 1000).toFixed(1)} s and was back in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

/**
 * A rolling restart of two replicas while agents stream to both: the busiest
 * replica gets SIGTERM, drains (GOAWAY, in-flight batches finished, the rest
 * ended UNAVAILABLE), comes back on its ports; then the other, if the agents
 * still stream. Agents told to move resend what was not acked.
 */
async function replicasRollingRestart(fleet: Fleet): Promise<string> {
  await Promise.all(REPLICAS.map((r) => fleet.startHub(REPLICA_ENV, r)));
  const agents = fleet.spawnAgents();
  const first = await busiestReplica(fleet);
  const atStop = await batchesStored(fleet.db.url);
  const notes = [`replica ${first.replica} (${first.streams} upload streams open, ${atStop} batches stored): ${await restartReplica(fleet, first.replica)}`];
  const other = 1 - first.replica;
  if (agents.some((a) => a.child.exitCode === null && a.child.signalCode === null)) {
    const streams = (await replicaIngest(fleet.hubs[other]!)).streams;
    notes.push(`then replica ${other} (${streams} streams open): ${await restartReplica(fleet, other)}`);
  } else notes.push(`the agents finished before replica ${other}'s turn`);
  const results = await agentsSucceeded(agents);
  const told = results.filter((r) => r.stderr.includes('this hub is shutting down')).length;
  if (told === 0) throw new Error(`no agent was told to move: replica ${first.replica} was not stopped mid-stream`);
  return `${notes.join('; ')}; ${told} agents were told to move`;
}

function pgCtl(action: 'restart' | 'start'): void {
  execSync(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main ${action}`, { stdio: 'ignore' });
}

/** PostgreSQL restarts under a streaming hub; ingest fails, agents retry, nothing is lost or doubled. */
async function postgresRestartMidStream(fleet: Fleet): Promise<string> {
  await fleet.startHub();
  const agents = fleet.spawnAgents();
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

// The long-outage scenario: one real log, its events spread over hours, so
// one-second windows make thousands of batches the agent must hold.
const BACKLOG_WINDOWS = 3000;
const BACKLOG_SPACING_SECONDS = 7;
// What the hub grants one agent in that scenario, well under what it can ingest
// (~50 batches/s on a busy 2-core machine), so the drain rate shows the flow control.
const BACKLOG_RATE = 40;
const BACKLOG_BURST = 40;
// HubUplink's default window of unacknowledged batches.
const AGENT_MAX_IN_FLIGHT = 32;

/**
 * web-01's real audit records with each event (all its records together) moved
 * to one of BACKLOG_WINDOWS seconds, BACKLOG_SPACING_SECONDS apart, in order:
 * the same events and counts over ~2.9 hours instead of ~25 seconds.
 */
function stretchedLog(source: LogInput): LogInput {
  const text = fs.readFileSync(source.log, 'utf8');
  const stamp = /msg=audit\((\d+)\.(\d+):(\d+)\)/g;
  const order = new Map<string, number>();
  for (const m of text.matchAll(stamp)) if (!order.has(m[0])) order.set(m[0], order.size);
  const base = Math.min(...[...text.matchAll(stamp)].slice(0, 100).map((m) => Number(m[1])));
  const out = text.replace(stamp, (whole, _s: string, ms: string, serial: string) => {
    const slot = Math.floor((order.get(whole)! * BACKLOG_WINDOWS) / order.size);
    return `msg=audit(${base + slot * BACKLOG_SPACING_SECONDS}.${ms}:${serial})`;
  });
  const log = path.join(WORK, `${source.hostname}-stretched.audit.log`);
  fs.writeFileSync(log, out);
  return { hostname: `${source.hostname}-backlog`, log };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

/**
 * An enrolled agent loses the hub for a long backlog (thousands of one-second
 * windows spooled), then the hub comes back with a per-agent rate limit and
 * the agent drains at the pace the hub's slowDownMs sets.
 */
async function agentCutOffLongBacklog(fleet: Fleet, inputs: LogInput[]): Promise<string> {
  const [input] = inputs;
  const limits = { FLEETTUNE_AGENT_BATCHES_PER_SECOND: String(BACKLOG_RATE), FLEETTUNE_AGENT_BATCH_BURST: String(BACKLOG_BURST) };
  await fleet.startHub(limits);
  // Enroll on an empty input, so only the outage is left to test.
  const empty = path.join(fleet.stateRoot, 'empty.log');
  fs.writeFileSync(empty, '');
  const enrollArgs = fleet.agentArgs({ ...input, log: empty });
  const enrolled = await runAgent(enrollArgs);
  if (enrolled.code !== 0) throw new Error(`enrolling ${input.hostname}: ${enrolled.stderr}`);
  const baseline = await batchesStored(fleet.db.url);
  await fleet.stopHub();
  const outageStarted = Date.now();
  const agent = spawnAgent(fleet.agentArgs(input));
  fleet.agents.push(agent.child);
  // The whole log is read and spooled once the spool stops growing.
  const spoolDir = path.join(fleet.stateRoot, input.hostname, 'spool');
  let last = -1;
  let stableSince = Date.now();
  await waitFor(
    'the spool to stop growing',
    async () => {
      const now = fs.existsSync(spoolDir) ? dirBytes(spoolDir) : 0;
      if (now !== last || now === 0) {
        last = now;
        stableSince = Date.now();
      }
      await sleep(200);
      return Date.now() - stableSince > 2_000;
    },
    90_000,
  );
  const outageSeconds = (Date.now() - outageStarted) / 1000;
  await fleet.startHub(limits);
  const back = Date.now();
  let firstStored = 0;
  let lastStored = 0;
  let stored = baseline;
  let running = true;
  const done = agent.done.finally(() => {
    running = false;
  });
  while (running) {
    const n = await batchesStored(fleet.db.url);
    if (n > stored) {
      if (!firstStored) firstStored = Date.now();
      lastStored = Date.now();
      stored = n;
    }
    await sleep(100);
  }
  const r = await done;
  if (r.code !== 0) throw new Error(`agent ${input.hostname} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const n = (await batchesStored(fleet.db.url)) - baseline;
  const drainSeconds = ((lastStored || Date.now()) - (firstStored || back)) / 1000;
  const rate = drainSeconds > 0 ? n / drainSeconds : n;
  log(`backlog: ${n} batches drained in ${drainSeconds.toFixed(1)} s (${rate.toFixed(0)}/s, hub limit ${BACKLOG_RATE}/s)`);
  // A bucket of BACKLOG_BURST plus the agent's in-flight window may go at once; the rest at the limit.
  const allowed = BACKLOG_RATE * 1.2 + (BACKLOG_BURST + AGENT_MAX_IN_FLIGHT) / Math.max(drainSeconds, 1);
  if (n > BACKLOG_BURST + AGENT_MAX_IN_FLIGHT && rate > allowed) {
    throw new Error(`the backlog drained at ${rate.toFixed(0)} batches/s, over the ${allowed.toFixed(0)}/s the hub allows`);
  }
  return (
    `hub down ${outageSeconds.toFixed(0)} s while ${n} windows spooled; after it came back the first batch landed in ` +
    `${(((firstStored || back) - back) / 1000).toFixed(1)} s and the backlog drained in ${drainSeconds.toFixed(1)} s (${rate.toFixed(0)}/s, limit ${BACKLOG_RATE}/s)`
  );
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

interface Scenario {
  name: string;
  /** The logs its agents replay; the expected totals are counted from them. */
  inputs: () => LogInput[];
  run: (f: Fleet, inputs: LogInput[]) => Promise<string>;
  /** Fail the scenario after this long (default SCENARIO_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Issue 17: the hubs reach PostgreSQL through a PgBouncer in transaction pooling mode started for the scenario. */
  pgbouncer?: boolean;
}

const PGBOUNCER_POOL_SIZE = 4;

/** Runs a scenario's hubs through PgBouncer and says how much went through it. */
function throughPgBouncer(run: Scenario['run']): Scenario['run'] {
  return async (fleet, inputs) => {
    const note = await run(fleet, inputs);
    const stats = (await fleet.bouncer!.admin('SHOW STATS')).find((r) => r.database === fleet.db.name);
    return `${note}; through PgBouncer (transaction mode, ${PGBOUNCER_POOL_SIZE} server connections): ${String(stats?.total_xact_count)} transactions`;
  };
}

const SCENARIOS: Scenario[] = [
  { name: 'kill -9 hub mid-stream', inputs: () => LOGS, run: hubKilledMidStream },
  { name: 'restart PostgreSQL mid-stream', inputs: () => LOGS, run: postgresRestartMidStream },
  { name: 'Redis down 30 s', inputs: () => LOGS, run: redisDown },
  { name: `agent cut off for a long backlog (${BACKLOG_WINDOWS} windows), then reconnect`, inputs: () => [stretchedLog(LOGS[0])], run: agentCutOffLongBacklog },
  { name: 'kill -9 agent mid-run', inputs: () => LOGS, run: agentKilledMidRun },
  { name: 'two hub replicas, kill -9 one mid-stream', inputs: () => LOGS, run: replicaKilledMidStream, timeoutMs: 120_000 },
  { name: 'two hub replicas, rolling restart by SIGTERM', inputs: () => LOGS, run: replicasRollingRestart, timeoutMs: 120_000 },
  { name: 'through PgBouncer: kill -9 hub mid-stream', inputs: () => LOGS, run: throughPgBouncer(hubKilledMidStream), pgbouncer: true },
  {
    name: 'through PgBouncer: two hub replicas, kill -9 one mid-stream',
    inputs: () => LOGS,
    run: throughPgBouncer(replicaKilledMidStream),
    timeoutMs: 120_000,
    pgbouncer: true,
  },
];

/** How far `got` is from `expected` for one measure: what is missing and what is extra. */
function lostDoubled(got: number, expected: number): { lost: number; doubled: number } {
  return { lost: Math.max(0, expected - got), doubled: Math.max(0, got - expected) };
}

/**
 * Issue 17: BullMQ on Redis with failover. Not fleet totals but job effects: a Sentinel group's master is
 * kill -9'd during an alert delivery and right after a recompute was queued (one exclusion set version, one
 * delivery), and the jobs run on a Redis Cluster. Kept out of the spec run (it is a *.chaos.ts, not a spec).
 */
const JOB_EFFECT_SCENARIOS = [{ name: 'redis sentinel failover + cluster', file: path.join(REPO, 'apps/hub/dist/jobs/redis-failover.chaos.js') }];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const jobResults: string[] = [];
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const expectedFor = new Map<string, Totals>();
  let failed = 0;
  const skipped: string[] = [];
  for (const scenario of SCENARIOS) {
    const name = scenario.name;
    if (only.length && !only.some((o) => name.includes(o))) continue;
    if (scenario.pgbouncer && !findPgBouncer()) {
      // Only when the package truly is not there (.ci/run installs it): said in the table, not silent.
      log(`scenario: ${name}: SKIPPED, pgbouncer is not installed (apt-get install pgbouncer)`);
      skipped.push(name);
      continue;
    }
    log(`scenario: ${name}`);
    const scenarioStarted = Date.now();
    const inputs = scenario.inputs();
    const key = inputs.map((i) => i.log).join('\n');
    if (!expectedFor.has(key)) expectedFor.set(key, await expectedTotals(inputs));
    const expected = expectedFor.get(key)!;
    const fleet = await Fleet.create(
      name
        .replace(/[^a-z0-9]+/gi, '_')
        .toLowerCase()
        .slice(0, 40),
      { pgbouncer: scenario.pgbouncer },
    );
    let note: string;
    let got: Totals = { events: -1, execs: -1, files: -1 };
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = scenario.timeoutMs ?? SCENARIO_TIMEOUT_MS;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result after ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        note = await Promise.race([scenario.run(fleet, inputs), fleet.hubDeath, timeout]);
      } finally {
        clearTimeout(timer);
      }
      got = await storedTotals(fleet.db.url);
    } catch (err) {
      note = `ERROR: ${(err as Error).message.split('\n')[0]}`;
      process.stderr.write(`chaos: ${name} failed: ${(err as Error).message}\n--- hub output (tail) ---\n${fleet.hubOutput.slice(-6_000)}\n---\n`);
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
    results.push({ scenario: name, expected, got, note: `${note} [${Math.round((Date.now() - scenarioStarted) / 1000)} s]` });
  }
  fs.rmSync(WORK, { recursive: true, force: true });
  for (const job of JOB_EFFECT_SCENARIOS) {
    if (only.length && !only.some((o) => job.name.includes(o))) continue;
    log(`scenario: ${job.name}`);
    const t0 = Date.now();
    // A node:test file of its own (real redis-server processes it starts and kills): its assertions are the verdict.
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', job.file], { cwd: REPO, stdio: 'inherit', timeout: 5 * 60_000 });
    const ok = run.status === 0;
    if (!ok) failed++;
    jobResults.push(`${job.name}: ${ok ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`} [${Math.round((Date.now() - t0) / 1000)} s]`);
  }
  const KEYS: Array<keyof Totals> = ['events', 'execs', 'files'];
  const triple = (f: (k: keyof Totals) => number) => KEYS.map((k) => f(k).toLocaleString('en-US')).join(' / ');
  process.stdout.write(
    '\n' +
      renderTable(
        ['scenario', 'expected (events / execs / files)', 'got', 'lost', 'doubled', 'verdict'],
        results.map((r) => {
          const lost = triple((k) => lostDoubled(r.got[k], r.expected[k]).lost);
          const doubled = triple((k) => lostDoubled(r.got[k], r.expected[k]).doubled);
          const ok = KEYS.every((k) => r.got[k] === r.expected[k]) && !r.note.startsWith('ERROR');
          return [r.scenario, triple((k) => r.expected[k]), triple((k) => r.got[k]), lost, doubled, ok ? 'ok' : 'FAILED'];
        }),
      ) +
      '\n\n' +
      results.map((r) => `${r.scenario}: ${r.note}`).join('\n') +
      '\n' +
      (jobResults.length ? `\njob effects (exactly once through a Redis failover):\n${jobResults.join('\n')}\n` : ''),
  );
  if (skipped.length) process.stdout.write(`chaos: SKIPPED (pgbouncer not installed): ${skipped.join('; ')}\n`);
  const total = results.length + jobResults.length;
  process.stdout.write(`chaos: ${total - failed} passed, ${failed} failed in ${Math.round((Date.now() - started) / 1000)} s\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos suite failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
