/**
 * Issue 13 item 7, each reproduction of the security review on a real hub
 * (PostgreSQL, Redis, gRPC on loopback): one agent cannot flood the hub or
 * crowd out the others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { BatchAck, BatchAck_Status, CountBatch } from '@fleettune/proto';
import { newPgClient } from '../database/pg-client';
import { useTestHub } from '../testing/hub-fixture';
import { agentAuth, uploadBatches } from '../testing/agent-upload';
import { enrollAgent, execAndFileBatch } from '../testing/agent-enroll';
import { scrapeMetric } from '../testing/scrape-metric';

const ENROLL = 'ingest-limits-enroll-secret-0000';
const ADMIN = 'ingest-limits-admin-token-000000';
const ROWS_PER_DAY = 600;
const POOL = 2;

const fx = useTestHub('ingest_limits', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  FLEETTUNE_ADMIN_TOKEN: ADMIN,
  FLEETTUNE_AGENT_ROWS_PER_DAY: String(ROWS_PER_DAY),
  // Events per day, streams and clock skew keep their defaults: the defaults must stop the flood.
  FLEETTUNE_DB_POOL_SIZE: String(POOL),
  FLEETTUNE_INGEST_DB_POOL_SIZE: String(POOL),
});

const enroll = (hostname: string) => enrollAgent(fx.client, { enrollSecret: ENROLL, hostname, agentVersion: 'test', machineId: `m-${hostname}` });

const HOUR = 3_600_000;
/** Windows an hour apart, ending well before now; exec and file rows only, as the daily row quota counts every row. */
function batch(hostId: string, sequence: number, extra: Partial<CountBatch> = {}): CountBatch {
  const start = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR + sequence * 60_000;
  return execAndFileBatch(hostId, sequence, start, { auditKeys: [], syscalls: [], ...extra });
}

function junkFiles(n: number, count: number) {
  return Array.from({ length: n }, (_, i) => ({ path: `/tmp/junk/${i}.bin`, op: 'modify', processPath: '/tmp/junk/flooder', count }));
}

async function storedBatches(hostId: string): Promise<number> {
  return fx.prisma.ingestBatch.count({ where: { hostId } });
}

const refusedMetric = async (reason: string) => (await scrapeMetric(fx.base, `fleettune_ingest_refused_total{reason="${reason}"}`)) ?? 0;

const isCode = (code: status, details?: RegExp) => (e: ServiceError) => e.code === code && (!details || details.test(e.details));

test('a message is decoded only after the agent token in the metadata checked out', async () => {
  const { agentToken, hostId } = await enroll('h-decode');
  const decode = CountBatch.decode;
  let decoded = 0;
  CountBatch.decode = (...args: Parameters<typeof decode>) => {
    decoded++;
    return decode(...args);
  };
  try {
    await assert.rejects(uploadBatches(fx.client, 'not-a-valid-agent-token', [batch(hostId, 1)]), isCode(status.UNAUTHENTICATED));
    await assert.rejects(uploadBatches(fx.client, new Metadata(), [batch(hostId, 1)]), isCode(status.UNAUTHENTICATED));
    assert.equal(decoded, 0, 'no message of an unauthenticated stream was decoded');
    const acks = await uploadBatches(fx.client, agentToken, [batch(hostId, 1)]);
    assert.deepEqual(
      acks.map((a) => a.status),
      [BatchAck_Status.COMMITTED],
    );
    assert.equal(decoded, 1);
  } finally {
    CountBatch.decode = decode;
  }
});

/** Opens an upload stream and waits until the hub admitted it (its first batch acked). */
function openStream(token: string, first: CountBatch): Promise<{ end(): void; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const call = fx.client.uploadBatches(agentAuth(token));
    let ended!: () => void;
    const closed = new Promise<void>((r) => (ended = r));
    call.once('data', () => resolve({ end: () => call.end(), closed }));
    call.on('error', reject);
    call.on('end', () => ended());
    call.on('status', () => ended());
    call.write(first);
  });
}

test('an agent holding its maximum of open streams gets RESOURCE_EXHAUSTED for another; other agents are not affected', async () => {
  const { agentToken, hostId } = await enroll('h-streams');
  const other = await enroll('h-streams-other');
  const before = await refusedMetric('streams');
  const a = await openStream(agentToken, batch(hostId, 1));
  const b = await openStream(agentToken, batch(hostId, 2));
  await assert.rejects(
    uploadBatches(fx.client, agentToken, [batch(hostId, 3)]),
    isCode(status.RESOURCE_EXHAUSTED, /already has 2 upload streams open.*FLEETTUNE_AGENT_MAX_STREAMS/),
  );
  assert.equal(await refusedMetric('streams'), before + 1);
  assert.equal(await storedBatches(hostId), 2, 'the refused stream stored nothing');
  assert.deepEqual(
    (await uploadBatches(fx.client, other.agentToken, [batch(other.hostId, 1)])).map((x) => x.status),
    [BatchAck_Status.COMMITTED],
  );
  // Closing one frees its place.
  a.end();
  await a.closed;
  await waitUntil(async () => {
    try {
      return (await uploadBatches(fx.client, agentToken, [batch(hostId, 3)])).length === 1;
    } catch {
      return false;
    }
  });
  b.end();
  assert.equal(await storedBatches(hostId), 3);
});

test("flood: past its daily row quota an agent's batches are refused with RESOURCE_EXHAUSTED and kept out; other agents go on", async () => {
  const { agentToken, hostId } = await enroll('h-rows');
  const other = await enroll('h-rows-other');
  const before = await refusedMetric('rows-per-day');
  const rows = (n: number) => ({
    files: Array.from({ length: n }, (_, i) => ({ path: `/var/lib/app/f${i}`, op: 'modify', processPath: '/opt/app/bin/app', count: 1 })),
    execs: [],
  });
  const acks: BatchAck[] = await uploadBatches(fx.client, agentToken, [batch(hostId, 1, rows(300)), batch(hostId, 2, rows(300))]);
  assert.equal(acks.length, 2, 'exactly the quota (600 rows) is accepted');
  await assert.rejects(
    uploadBatches(fx.client, agentToken, [batch(hostId, 3, rows(1))]),
    isCode(status.RESOURCE_EXHAUSTED, /daily row quota exceeded.*FLEETTUNE_AGENT_ROWS_PER_DAY/),
  );
  // Refused again without touching the database, and counted each time.
  await assert.rejects(uploadBatches(fx.client, agentToken, [batch(hostId, 4, rows(1))]), isCode(status.RESOURCE_EXHAUSTED));
  assert.equal(await refusedMetric('rows-per-day'), before + 2);
  assert.equal(await storedBatches(hostId), 2);
  const [usage] = await fx.prisma.$queryRaw<{ rows: bigint }[]>`SELECT rows FROM host_ingest_usage WHERE host_id = ${hostId}::uuid`;
  assert.equal(usage.rows, 600n, 'the refused batches were rolled back, not charged');
  assert.equal((await uploadBatches(fx.client, other.agentToken, [batch(other.hostId, 1, rows(300))])).length, 1);
});

test('flood: 500 junk paths at 1e9 from one agent pass the batch limits but not the default daily event quota', async () => {
  const { agentToken, hostId } = await enroll('h-junk');
  const before = await refusedMetric('events-per-day');
  // The agent claims 0 events; its rows' counts are what it is charged.
  await assert.rejects(
    uploadBatches(fx.client, agentToken, [batch(hostId, 1, { events: 0, execs: [], files: junkFiles(500, 1e9) })]),
    isCode(status.RESOURCE_EXHAUSTED, /daily event quota exceeded: this batch's 500000000000 events.*FLEETTUNE_AGENT_EVENTS_PER_DAY/),
  );
  assert.equal(await refusedMetric('events-per-day'), before + 1);
  assert.equal(await storedBatches(hostId), 0);
  const [{ n }] = await fx.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM file_counts WHERE host_id = ${hostId}::uuid`;
  assert.equal(n, 0n);
});

test('a window starting past the allowed clock skew is refused (FAILED_PRECONDITION, retryable) and counted; a small skew is accepted', async () => {
  const { agentToken, hostId } = await enroll('h-future');
  const before = await refusedMetric('future-window');
  const at = (sequence: number, startMs: number) => batch(hostId, sequence, { windowStartMs: startMs, windowEndMs: startMs + 60_000 });
  // Within the 24 h the batch validator allows, so this used to be stored and to anchor the engine's look-back.
  await assert.rejects(
    uploadBatches(fx.client, agentToken, [at(1, Date.now() + 6 * HOUR)]),
    isCode(status.FAILED_PRECONDITION, /window starts \d+ s after the hub's clock.*FLEETTUNE_MAX_CLOCK_SKEW_SECONDS/),
  );
  assert.equal(await refusedMetric('future-window'), before + 1);
  assert.equal(await storedBatches(hostId), 0);
  const acks = await uploadBatches(fx.client, agentToken, [at(1, Date.now() + 60_000)]);
  assert.deepEqual(
    acks.map((a) => a.status),
    [BatchAck_Status.COMMITTED],
    'a minute of skew is fine',
  );
});

test('ingest waits on its own pool: REST authentication answers while every ingest connection is blocked', async () => {
  const agents = await Promise.all(Array.from({ length: POOL + 2 }, (_, i) => enroll(`h-pool-${i}`)));
  // Hold every ingest transaction: they keep their connections while they wait for the lock.
  const locker = newPgClient({ connectionString: fx.db.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE ingest_batches IN ACCESS EXCLUSIVE MODE');
  const uploads = agents.map((a, i) => uploadBatches(fx.client, a.agentToken, [batch(a.hostId, 100 + i)]));
  try {
    await waitUntil(async () => {
      const r = await locker.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'ingest_batches'::regclass");
      return r.rows[0].n >= POOL;
    });
    // A REST call needs a database connection to check its token; with ingest on the shared pool it waited for the lock.
    const res = await fetch(`${fx.base}/api/v1/hosts?limit=5`, {
      headers: { authorization: `Bearer ${ADMIN}` },
      signal: AbortSignal.timeout(20_000),
    });
    assert.equal(res.status, 200);
  } finally {
    await locker.query('COMMIT');
    await locker.end();
  }
  const acks = await Promise.all(uploads);
  assert.ok(
    acks.every((a) => a.length === 1 && a[0].status === BatchAck_Status.COMMITTED),
    'the blocked batches commit once the lock is gone',
  );
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
