/**
 * Issue 17: the hub through PgBouncer in transaction pooling mode (Debian's
 * pgbouncer, started here as a real process with a pool smaller than the
 * hub's own pools, so transactions of different clients really share server
 * connections). The same fleet driven through it and straight at PostgreSQL
 * gives the same totals; session-scoped work (partition maintenance's
 * advisory lock) goes to DATABASE_DIRECT_URL and leaves no lock behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PartitionMaintenanceService } from '../jobs/partition-maintenance.service';
import type { RunningHub } from '../hub-app';
import { newPgClient } from './pg-client';
import { runFleetScenario, FleetScenarioSummary, SCENARIO_HUB_ENV } from '../testing/fleet-scenario';
import { createMigratedTestDatabase, findPgBouncer, PgBouncerProcess, startPgBouncer, TestDatabase } from '@fleettune/db-tools';
import { startTestHubReplica } from '../testing/test-hub';

const ENROLL = 'pgbouncer-spec-enroll-secret-000';
const ADMIN = 'pgbouncer-spec-admin-token-00000';
const POOL_SIZE = 3;
const HOUR = 3_600_000;
const START = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const ENV = { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ADMIN_TOKEN: ADMIN, ...SCENARIO_HUB_ENV };
const skip = findPgBouncer() ? false : 'pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)';

let bouncer: PgBouncerProcess | undefined;
const dbs: TestDatabase[] = [];
const hubs: RunningHub[] = [];

before(async () => {
  if (!skip) bouncer = await startPgBouncer({ poolMode: 'transaction', poolSize: POOL_SIZE });
});

after(async () => {
  for (const h of hubs) await h.close();
  for (const d of dbs) await d.drop();
  await bouncer?.stop();
});

async function database(name: string): Promise<TestDatabase> {
  const db = await createMigratedTestDatabase(name);
  dbs.push(db);
  return db;
}

async function hub(db: TestDatabase, name: string, env: Record<string, string>): Promise<RunningHub> {
  const h = await startTestHubReplica(db, name, { ...ENV, ...env });
  hubs.push(h);
  return h;
}

/** Samples PgBouncer's client and server connections of one database while `work` runs. */
async function watchPool<T>(b: PgBouncerProcess, database: string, work: () => Promise<T>): Promise<{ result: T; maxClients: number; maxServers: number }> {
  let maxClients = 0;
  let maxServers = 0;
  let done = false;
  const sample = async () => {
    while (!done) {
      const clients = (await b.admin('SHOW CLIENTS')).filter((r) => r.database === database).length;
      const servers = (await b.admin('SHOW SERVERS')).filter((r) => r.database === database).length;
      maxClients = Math.max(maxClients, clients);
      maxServers = Math.max(maxServers, servers);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const sampler = sample();
  try {
    return { result: await work(), maxClients, maxServers };
  } finally {
    done = true;
    await sampler;
  }
}

test('a session advisory lock taken through the transaction-mode pooler outlives its client (why DATABASE_DIRECT_URL exists)', { skip }, async () => {
  const db = await database('pgb_lock_spec');
  const c = newPgClient({ connectionString: bouncer!.url(db.name) });
  await c.connect();
  await c.query('SELECT pg_advisory_lock(4242)');
  await c.end();
  const direct = newPgClient({ connectionString: db.url });
  await direct.connect();
  try {
    const held = await direct.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                                     WHERE l.locktype = 'advisory' AND l.objid = 4242 AND d.datname = $1`,
      [db.name],
    );
    assert.equal(held.rows[0].n, 1, 'the pooled server connection still holds the lock its client took');
  } finally {
    await direct.end();
  }
});

test('the hub through PgBouncer in transaction mode gives the same totals as straight to PostgreSQL', { skip }, async (t) => {
  const directDb = await database('pgb_direct_spec');
  const directHub = await hub(directDb, 'pgb-direct-spec', {});
  let t0 = performance.now();
  const expected = await runFleetScenario(directHub, { enrollSecret: ENROLL, adminToken: ADMIN, startMs: START });
  const directMs = performance.now() - t0;

  const pooledDb = await database('pgb_pooled_spec');
  const pooledHub = await hub(pooledDb, 'pgb-pooled-spec', {
    DATABASE_URL: bouncer!.url(pooledDb.name),
    DATABASE_DIRECT_URL: pooledDb.url,
    FLEETTUNE_DB_POOL_SIZE: '8',
    FLEETTUNE_INGEST_DB_POOL_SIZE: '8',
  });
  t0 = performance.now();
  const watched = await watchPool(bouncer!, pooledDb.name, () => runFleetScenario(pooledHub, { enrollSecret: ENROLL, adminToken: ADMIN, startMs: START }));
  const pooledMs = performance.now() - t0;
  const got: FleetScenarioSummary = watched.result;

  assert.deepEqual(got.acks, { committed: 9, duplicate: 3 });
  assert.equal(got.recompute.state, 'completed');
  assert.ok(got.recompute.items.includes('process:/opt/backup/bin/backup-agent'), JSON.stringify(got.recompute.items));
  assert.deepEqual(got.hosts, ['db-01', 'db-02', 'db-03']);
  assert.deepEqual(
    got.execs.find((r) => r[0] === '/usr/bin/date'),
    ['/usr/bin/date', 3 * 1100 * 3 + 3 * (0 + 1 + 2), 3],
  );
  assert.deepEqual(got, expected);

  // Through the pooler for real: more hub clients than server connections, and every transaction counted there.
  assert.ok(watched.maxServers <= POOL_SIZE, `server connections ${watched.maxServers} > pool ${POOL_SIZE}`);
  assert.ok(watched.maxClients > POOL_SIZE, `hub clients ${watched.maxClients} never exceeded the pool: the pooler was not shared`);
  const pools = await bouncer!.admin('SHOW POOLS');
  assert.equal(pools.find((p) => p.database === pooledDb.name)?.pool_mode, 'transaction');
  const stats = (await bouncer!.admin('SHOW STATS')).find((s) => s.database === pooledDb.name);
  assert.ok(Number(stats?.total_xact_count) > 50, JSON.stringify(stats));
  t.diagnostic(
    `through PgBouncer: ${watched.maxClients} hub client connections on at most ${watched.maxServers} server connections, ` +
      `${String(stats?.total_xact_count)} transactions, ${String(stats?.total_query_count)} statements, avg transaction ${String(stats?.avg_xact_time)} us; ` +
      `scenario ${Math.round(directMs)} ms direct, ${Math.round(pooledMs)} ms pooled; items ${got.recompute.items.join(' ')}`,
  );
  assert.doesNotMatch(bouncer!.log(), /prepared statement|unsupported startup parameter/i);

  // Partition maintenance runs on the direct URL: its session lock is taken and given back, none stays in the pool.
  const report = await pooledHub.app.get(PartitionMaintenanceService).run();
  assert.equal(report.skipped, false);
  const direct = newPgClient({ connectionString: pooledDb.url });
  await direct.connect();
  try {
    const locks = await direct.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                                      WHERE l.locktype = 'advisory' AND d.datname = $1`,
      [pooledDb.name],
    );
    assert.equal(locks.rows[0].n, 0);
  } finally {
    await direct.end();
  }
});
