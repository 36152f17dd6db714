import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { AgentServiceClient } from '@fleettune/proto';
import { createMigratedTestDatabase, TestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { FleetResult, HubProcess, codeName, loadTemplates, makeHostProfiles, runFleet, startHubProcess, throwAwayHubEnv } from '@fleettune/simulator';

// What bench:fanin relies on, at a size a test can afford: the simulator's
// fleet against a real hub process and database.
const ENROLL = `spec-enroll-${randomBytes(8).toString('hex')}`;
let db: TestDatabase;
let hub: HubProcess;
// The hub and its replica: one database, one queue prefix (one fleet).
const hubEnv = () => throwAwayHubEnv(db.url, 'spec-fanin', { FLEETTUNE_ENROLL_SECRET: ENROLL });

before(async () => {
  db = await createMigratedTestDatabase('spec_fanin');
  hub = await startHubProcess(hubEnv());
});

after(async () => {
  await hub?.stop();
  await db?.drop();
});

/** Twelve simulated agents (one host profile per `seed`), three rounds each, against `hubs` (split between them). */
async function runSmallFleet(hubs: string | string[], seed: number): Promise<FleetResult> {
  const windowMs = 60_000;
  const templates = await loadTemplates({ windowMs });
  const hosts = makeHostProfiles(12, templates, { runId: randomBytes(3).toString('hex'), seed, outlierFraction: 0.1, appDropChance: 0.15 });
  return runFleet({
    hub: hubs,
    enrollSecret: ENROLL,
    hosts,
    intervalMs: 400,
    windowMs,
    durationMs: 1_200, // 3 rounds per agent
    maxRows: 100,
    maxInFlight: 32,
    enrollConcurrency: 4,
    ownConnection: true,
    firstWindowStartMs: Math.floor((Date.now() - 86_400_000) / windowMs) * windowMs,
    drainTimeoutMs: 30_000,
  });
}

test('every agent sends its rounds, every batch is acked once and lands row for row', async () => {
  const r = await runSmallFleet(hub.grpcAddress, 3);
  assert.equal(r.agents, 12);
  assert.equal(r.batchesScheduled, 36);
  assert.equal(r.batchesAcked, 36);
  assert.equal(r.duplicates, 0);
  assert.equal(r.errors, 0, JSON.stringify(r.errorKinds));
  assert.equal(r.unacked, 0);
  const l = r.ackLatencyMs;
  assert.ok(l.p50 <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  await withDatabaseClient(db.url, async (pg) => {
    const { rows } = await pg.query<{ batches: string; rows: string }>(
      `SELECT (SELECT count(*) FROM ingest_batches) AS batches,
              (SELECT count(*) FROM exec_counts) + (SELECT count(*) FROM file_counts)
            + (SELECT count(*) FROM audit_key_counts) + (SELECT count(*) FROM syscall_counts) AS rows`,
    );
    assert.equal(Number(rows[0].batches), 36);
    assert.equal(Number(rows[0].rows), r.rowsAcked, 'rows acked = rows stored');
    assert.ok(r.rowsAcked > 36 * 10, `realistic batches (${r.rowsAcked} rows)`);
  });
});

test('bench:fanin --replicas: agents given two hub replicas over one database, half on each, every batch lands once', { timeout: 120_000 }, async () => {
  const replica = await startHubProcess(hubEnv());
  try {
    await withDatabaseClient(db.url, async (pg) => {
      const committed = async (h: HubProcess) =>
        Number(/^fleettune_ingest_batches_total\{outcome="committed"\} (\S+)/m.exec(await (await fetch(`${h.httpUrl}/metrics`)).text())?.[1] ?? 0);
      const storedBatches = async () => Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM ingest_batches')).rows[0].n);
      const before = { stored: await storedBatches(), hub: await committed(hub), replica: await committed(replica) };
      const r = await runSmallFleet([hub.grpcAddress, replica.grpcAddress], 5);
      assert.equal(r.errors, 0, JSON.stringify(r.errorKinds));
      assert.equal(r.batchesAcked, 36);
      assert.equal(r.duplicates, 0);
      assert.equal((await storedBatches()) - before.stored, 36, 'every batch stored once');
      assert.equal((await committed(hub)) - before.hub, 18, 'six agents, three rounds each, on the first replica');
      assert.equal((await committed(replica)) - before.replica, 18, 'and as many on the second');
    });
  } finally {
    await replica.stop();
  }
});

test('errors are named by their gRPC code (a real refused enrollment)', async () => {
  const client = new AgentServiceClient(hub.grpcAddress, credentials.createInsecure());
  try {
    const err = await new Promise<ServiceError>((resolve, reject) =>
      client.enroll({ enrollSecret: 'wrong-secret', hostname: 'x', os: 'linux', agentVersion: 'spec', machineId: 'm' }, new Metadata(), (e) =>
        e ? resolve(e) : reject(new Error('enrolled with a wrong secret')),
      ),
    );
    assert.equal(codeName(err), 'UNAUTHENTICATED');
    assert.equal(codeName(new Error('plain')), 'no-code');
  } finally {
    client.close();
  }
});
