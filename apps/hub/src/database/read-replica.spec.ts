/**
 * Issue 17: with DATABASE_READ_URL the dashboard's heavy read views come from
 * a streaming replica. The spec starts a PostgreSQL primary of its own and a
 * hot standby built from it with pg_basebackup -R, runs a hub on them, then
 * pauses the standby's replay: writes on the primary do not show in the
 * replica-served views (noise, hosts page) while reads that must see their
 * own writes (a token created a moment ago, one host) do; /metrics shows the
 * lag. Resumed, the views catch up; with the replica stopped they are read
 * around on the primary. A second hub with a 1 s FLEETTUNE_DB_READ_MAX_LAG_SECONDS
 * reads around a replica whose replay is paused, and goes back to it once it caught up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck_Status, CountBatch } from '@fleettune/proto';
import { ActivityRollupService } from '../exclusions/activity-rollup.service';
import type { RunningHub } from '../hub-app';
import { enrollAgent } from '../testing/agent-enroll';
import { uploadBatches } from '../testing/agent-upload';
import { runFleetScenario, SCENARIO_HUB_ENV } from '../testing/fleet-scenario';
import { createMigratedTestDatabase, findPostgresBin, startStreamingReplicaPair, StreamingReplicaPair, TestDatabase } from '@fleettune/db-tools';
import { startTestHubReplica } from '../testing/test-hub';
import { scrapeMetric } from '../testing/scrape-metric';

const ENROLL = 'replica-spec-enroll-secret-00000';
const ADMIN = 'replica-spec-admin-token-0000000';
const HOUR = 3_600_000;
const START = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const DATE = '/usr/bin/date';
const skip = findPostgresBin() ? false : 'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed';

let pair: StreamingReplicaPair | undefined;
let db: TestDatabase | undefined;
let hub: RunningHub | undefined;
/** The same database and replica, reading around a replica more than 1 s behind. */
let strictHub: RunningHub | undefined;

before(async () => {
  if (skip) return;
  pair = await startStreamingReplicaPair();
  db = await createMigratedTestDatabase('replica_spec', { databaseUrl: pair.primary.url('fleettune') });
  await pair.caughtUp();
  hub = await startTestHubReplica(db, 'replica-spec', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    ...SCENARIO_HUB_ENV,
    DATABASE_READ_URL: pair.replica.url(db.name),
    // This hub shows what a replica a moment behind serves: it is never read around for lag here.
    FLEETTUNE_DB_READ_MAX_LAG_SECONDS: '0',
  });
  strictHub = await startTestHubReplica(db, 'replica-spec-strict', {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    DATABASE_READ_URL: pair.replica.url(db.name),
    FLEETTUNE_DB_READ_MAX_LAG_SECONDS: '1',
  });
});

after(async () => {
  await strictHub?.close();
  await hub?.close();
  await db?.drop().catch(() => undefined);
  await pair?.stop();
});

async function get<T>(p: string, token = ADMIN, from = hub): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${from!.httpPort}${p}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const dateCount = async () => (await get<Array<{ subject: string; count: number }>>('/api/v1/noise/execs')).body.find((r) => r.subject === DATE)?.count;

const metric = (name: string, from = hub) => scrapeMetric(`http://127.0.0.1:${from!.httpPort}`, name);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a replica more than FLEETTUNE_DB_READ_MAX_LAG_SECONDS behind is read around on the primary until it caught up', { skip }, async () => {
  const hostnames = async (from: RunningHub) => (await get<Array<{ hostname: string }>>('/api/v1/hosts', ADMIN, from)).body.map((h) => h.hostname);
  await pair!.caughtUp();
  assert.deepEqual(await hostnames(strictHub!), []);
  assert.equal(await metric('fleettune_db_replica_lagging_reads_total', strictHub), 0);
  await pair!.replica.query('SELECT pg_wal_replay_pause()');
  let hostId: string | undefined;
  try {
    const [row] = await pair!.primary.query<{ id: string }>(
      `INSERT INTO hosts (id, hostname, os, tags) VALUES (gen_random_uuid(), 'lag-01', 'linux', '{}') RETURNING id`,
      [],
      db!.name,
    );
    hostId = row.id;
    // Past the limit, the strict hub serves the view from the primary; the other hub still shows the replica's state.
    await until('the strict hub to read around the lagging replica', async () => (await hostnames(strictHub!)).includes('lag-01'));
    assert.deepEqual(await hostnames(hub!), [], 'the replica itself has not replayed the new host');
    await until(
      'the lag over 1 s on /metrics (read at most a second ago)',
      async () => ((await metric('fleettune_db_replica_lag_seconds', strictHub)) ?? 0) > 1,
    );
    assert.ok(((await metric('fleettune_db_replica_lagging_reads_total', strictHub)) ?? 0) >= 1);
  } finally {
    await pair!.replica.query('SELECT pg_wal_replay_resume()');
    // The next test starts from an empty fleet.
    if (hostId) await pair!.primary.query('DELETE FROM hosts WHERE id = $1', [hostId], db!.name);
  }
  // Caught up: reads go to the replica again (the counter stops), and it has replayed the host and its removal.
  await pair!.caughtUp();
  await until('the replica lag back to 0', async () => (await metric('fleettune_db_replica_lag_seconds', strictHub)) === 0);
  await new Promise((r) => setTimeout(r, 1_100)); // the strict hub's lag reading is at most a second old
  await hostnames(strictHub!);
  const around = await metric('fleettune_db_replica_lagging_reads_total', strictHub);
  assert.deepEqual(await hostnames(strictHub!), []);
  assert.deepEqual(await hostnames(hub!), []);
  assert.equal(await metric('fleettune_db_replica_lagging_reads_total', strictHub), around, 'no more reads around the replica');
});

test('dashboard reads come from the streaming replica; own-write reads stay on the primary; lag on /metrics', { skip }, async (t) => {
  const summary = await runFleetScenario(hub!, { enrollSecret: ENROLL, adminToken: ADMIN, startMs: START, beforeReads: () => pair!.caughtUp() });
  assert.deepEqual(summary.acks, { committed: 9, duplicate: 3 });
  assert.equal(summary.recompute.state, 'completed');
  assert.ok(summary.recompute.items.includes(`process:/opt/backup/bin/backup-agent`), JSON.stringify(summary.recompute.items));
  assert.deepEqual(summary.hosts, ['db-01', 'db-02', 'db-03']);
  const before = 3 * 1100 * 3 + 3 * (0 + 1 + 2);
  assert.equal(await dateCount(), before);
  // The hub's read pool is connected to the replica.
  const readers = await pair!.replica.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'fleettune-hub-reads'`,
    [db!.name],
  );
  assert.ok(readers[0].n >= 1, 'no hub connection on the replica');
  assert.equal(await metric('fleettune_db_replica_up'), 1);

  // Replay paused: what the primary commits from now on is not on the replica.
  await pair!.replica.query('SELECT pg_wal_replay_pause()');
  const client = new AgentServiceClient(`127.0.0.1:${hub!.grpcPort}`, credentials.createInsecure());
  try {
    const late = await enrollAgent(client, { enrollSecret: ENROLL, hostname: 'db-04', machineId: 'm-db-04' });
    const acks = await uploadBatches(client, late.agentToken, [
      CountBatch.fromPartial({
        hostId: late.hostId,
        sequence: 1,
        windowStartMs: START,
        windowEndMs: START + 60_000,
        source: 'linux-audit',
        events: 5000,
        execs: [{ path: DATE, parentPath: '/opt/backup/bin/backup-agent', user: 'backup', count: 5000 }],
      }),
    ]);
    assert.deepEqual(
      acks.map((a) => a.status),
      [BatchAck_Status.COMMITTED],
    );
    await hub!.app.get(ActivityRollupService).catchUp();
    const [onPrimary] = await pair!.primary.query<{ n: string }>(
      `SELECT sum(f.count)::text AS n FROM noise_fleet_hours f JOIN noise_subjects s ON s.id = f.subject_id WHERE f.kind = 'exec' AND s.subject = $1`,
      [DATE],
      db!.name,
    );
    assert.equal(Number(onPrimary.n), before + 5000, 'the primary has the new rows');

    // Replica-served views: still the replica's (older) state.
    assert.equal(await dateCount(), before);
    assert.deepEqual((await get<Array<{ hostname: string }>>('/api/v1/hosts')).body.map((h) => h.hostname).sort(), ['db-01', 'db-02', 'db-03']);
    // Own-write reads on the primary: the new host by id, and a token created a moment ago authenticates.
    assert.equal((await get<{ hostname: string }>(`/api/v1/hosts/${late.hostId}`)).body.hostname, 'db-04');
    const created = await fetch(`http://127.0.0.1:${hub!.httpPort}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fresh-viewer', role: 'viewer' }),
    });
    assert.equal(created.status, 201);
    const { token } = (await created.json()) as { token: string };
    assert.equal((await get('/api/v1/noise/execs', token)).status, 200);

    // The lag shows on /metrics while replay waits.
    await until('a replica lag above 0 on /metrics', async () => ((await metric('fleettune_db_replica_lag_seconds')) ?? 0) > 0);
    const lag = await metric('fleettune_db_replica_lag_seconds');
    const backlog = await metric('fleettune_db_replica_replay_backlog_bytes');
    assert.ok((backlog ?? 0) > 0, `replay backlog ${backlog}`);
    t.diagnostic(`replay paused: fleettune_db_replica_lag_seconds ${lag}, fleettune_db_replica_replay_backlog_bytes ${backlog}`);

    // Resumed: the views catch up and the lag returns to 0.
    await pair!.replica.query('SELECT pg_wal_replay_resume()');
    const resumedAt = Date.now();
    await until('the replica-served noise view to show the new batch', async () => (await dateCount()) === before + 5000);
    t.diagnostic(`replay resumed: the dashboard showed the new batch after ${Date.now() - resumedAt} ms`);
    assert.deepEqual((await get<Array<{ hostname: string }>>('/api/v1/hosts')).body.map((h) => h.hostname).sort(), ['db-01', 'db-02', 'db-03', 'db-04']);
    await until('the replica lag back to 0', async () => (await metric('fleettune_db_replica_lag_seconds')) === 0);

    // Replica gone: the same views are read around on the primary, and /metrics says so.
    await pair!.replica.stop();
    assert.equal(await dateCount(), before + 5000);
    const cost = await get<{ hostsReporting: number }>('/api/v1/cost/fleet');
    assert.equal(cost.status, 200);
    assert.equal(cost.body.hostsReporting, 3);
    assert.ok(((await metric('fleettune_db_replica_fallback_reads_total')) ?? 0) >= 2);
    await until('fleettune_db_replica_up 0', async () => (await metric('fleettune_db_replica_up')) === 0);
    assert.ok(Number.isNaN(await metric('fleettune_db_replica_lag_seconds')), 'no lag figure (NaN) for a replica that does not answer');
  } finally {
    client.close();
  }
});
