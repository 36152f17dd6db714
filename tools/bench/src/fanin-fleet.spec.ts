import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { Client } from 'pg';
import { AgentServiceClient } from '@fleettune/proto';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { HubProcess, codeName, loadTemplates, makeHostProfiles, runFleet, startHubProcess } from '@fleettune/simulator';

// What bench:fanin relies on, at a size a test can afford: the simulator's
// fleet against a real hub process and database.
const ENROLL = `spec-enroll-${randomBytes(8).toString('hex')}`;
let db: TestDatabase;
let hub: HubProcess;

before(async () => {
  db = await createMigratedTestDatabase('spec_fanin');
  hub = await startHubProcess({
    DATABASE_URL: db.url,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    BIND_HOST: '127.0.0.1',
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_QUEUE_PREFIX: `spec-fanin-${process.pid}`,
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
  });
});

after(async () => {
  await hub?.stop();
  await db?.drop();
});

test('every agent sends its rounds, every batch is acked once and lands row for row', async () => {
  const windowMs = 60_000;
  const templates = await loadTemplates({ windowMs });
  const hosts = makeHostProfiles(12, templates, { runId: randomBytes(3).toString('hex'), seed: 3, outlierFraction: 0.1, appDropChance: 0.15 });
  const r = await runFleet({
    hub: hub.grpcAddress,
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
  assert.equal(r.agents, 12);
  assert.equal(r.batchesScheduled, 36);
  assert.equal(r.batchesAcked, 36);
  assert.equal(r.duplicates, 0);
  assert.equal(r.errors, 0, JSON.stringify(r.errorKinds));
  assert.equal(r.unacked, 0);
  const l = r.ackLatencyMs;
  assert.ok(l.p50 <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ batches: string; rows: string }>(
      `SELECT (SELECT count(*) FROM ingest_batches) AS batches,
              (SELECT count(*) FROM exec_counts) + (SELECT count(*) FROM file_counts)
            + (SELECT count(*) FROM audit_key_counts) + (SELECT count(*) FROM syscall_counts) AS rows`,
    );
    assert.equal(Number(rows[0].batches), 36);
    assert.equal(Number(rows[0].rows), r.rowsAcked, 'rows acked = rows stored');
    assert.ok(r.rowsAcked > 36 * 10, `realistic batches (${r.rowsAcked} rows)`);
  } finally {
    await pg.end();
  }
});

test('bench:fanin --replicas: agents given two hub replicas over one database, half on each, every batch lands once', { timeout: 120_000 }, async () => {
  const replica = await startHubProcess({
    DATABASE_URL: db.url,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    BIND_HOST: '127.0.0.1',
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_QUEUE_PREFIX: `spec-fanin-${process.pid}`,
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
  });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const committed = async (h: HubProcess) =>
      Number(/^fleettune_ingest_batches_total\{outcome="committed"\} (\S+)/m.exec(await (await fetch(`${h.httpUrl}/metrics`)).text())?.[1] ?? 0);
    const storedBatches = async () => Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM ingest_batches')).rows[0].n);
    const before = { stored: await storedBatches(), hub: await committed(hub), replica: await committed(replica) };
    const windowMs = 60_000;
    const templates = await loadTemplates({ windowMs });
    const hosts = makeHostProfiles(12, templates, { runId: randomBytes(3).toString('hex'), seed: 5, outlierFraction: 0.1, appDropChance: 0.15 });
    const r = await runFleet({
      hub: [hub.grpcAddress, replica.grpcAddress],
      enrollSecret: ENROLL,
      hosts,
      intervalMs: 400,
      windowMs,
      durationMs: 1_200,
      maxRows: 100,
      maxInFlight: 32,
      enrollConcurrency: 4,
      ownConnection: true,
      firstWindowStartMs: Math.floor((Date.now() - 86_400_000) / windowMs) * windowMs,
      drainTimeoutMs: 30_000,
    });
    assert.equal(r.errors, 0, JSON.stringify(r.errorKinds));
    assert.equal(r.batchesAcked, 36);
    assert.equal(r.duplicates, 0);
    assert.equal((await storedBatches()) - before.stored, 36, 'every batch stored once');
    assert.equal((await committed(hub)) - before.hub, 18, 'six agents, three rounds each, on the first replica');
    assert.equal((await committed(replica)) - before.replica, 18, 'and as many on the second');
  } finally {
    await pg.end();
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
