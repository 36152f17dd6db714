/**
 * Issue 17: BullMQ on Redis with failover. Real redis-server processes on
 * loopback (testing/redis-topology.ts): a Sentinel group whose master is
 * `kill -9`'d while an alert delivery is in flight and a recompute is queued,
 * and a three-master Cluster. The effects stay exactly-once: one exclusion set
 * version per job, one delivery per alert and channel.
 */
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Redis, { Cluster } from 'ioredis';
import type { TestDatabase } from '@fleettune/db-tools';
import { Api, ingestFleet, waitFor } from '../alerts/test-fleet.fixture';
import { PrismaService } from '../database/prisma.service';
import { ExclusionRecomputeService } from '../exclusions/exclusion-recompute.service';
import type { RunningHub } from '../hub-app';
import { RedisCluster, SentinelGroup } from '../testing/redis-topology';
import { startTestHub } from '../testing/test-hub';

const ADMIN = 'redis-failover-admin-token-0123456789';

/** A webhook receiver that holds each request `holdMs` before answering 200, so a failover can happen mid-delivery. */
async function slowReceiver(holdMs: number): Promise<{ url: string; deliveryIds: string[]; inFlight: number; close(): Promise<void> }> {
  const state = { deliveryIds: [] as string[], inFlight: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.inFlight++;
      state.deliveryIds.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).deliveryId);
      setTimeout(() => {
        state.inFlight--;
        res.writeHead(200).end('ok');
      }, holdMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** The job's state over REST, retrying while the hub's Redis connection moves to the new master. */
async function waitForJob(api: Api, jobId: string): Promise<{ state: string; result?: { version: number; alreadyStored?: boolean } }> {
  let last: { state: string; result?: { version: number } } = { state: 'unknown' };
  await waitFor(
    `recompute job ${jobId} to complete`,
    async () => {
      const r = await api.call<{ state: string; result?: { version: number } }>('GET', `/api/v1/exclusion-sets/jobs/${jobId}`).catch(() => null);
      if (r?.status === 200) last = r.body;
      if (last.state === 'failed') throw new Error(`recompute failed: ${JSON.stringify(last)}`);
      return last.state === 'completed';
    },
    60_000,
  );
  return last;
}

describe('Redis Sentinel: the master is killed during a recompute and an alert delivery', () => {
  let group: SentinelGroup;
  let db: TestDatabase;
  let hub: RunningHub;
  let api: Api;
  let prisma: PrismaService;
  let receiver: Awaited<ReturnType<typeof slowReceiver>>;

  before(async () => {
    group = await SentinelGroup.start();
    receiver = await slowReceiver(2_000);
    ({ db, hub } = await startTestHub('redis_sentinel', {
      REDIS_URL: group.url,
      FLEETTUNE_ADMIN_TOKEN: ADMIN,
      FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
      FLEETTUNE_ALERTS_LEARNING_SECONDS: '0',
      FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: '200',
    }));
    api = new Api(`http://127.0.0.1:${hub.httpPort}`, ADMIN);
    prisma = hub.app.get(PrismaService);
  });

  after(async () => {
    await hub?.close();
    await db?.drop();
    await receiver?.close();
    await group?.stop();
  });

  test('one exclusion set version for the job, one delivery for the alert', async () => {
    await ingestFleet(hub, { withHelper: true });
    await api.ok('POST', '/api/v1/alert-channels', { name: 'soc', type: 'webhook', url: receiver.url });
    const detection = await api.evaluate<{ created: string[] }>();
    assert.equal(detection.created.length, 1, 'the new helper raises one alert');
    await waitFor('the delivery to be in flight', () => receiver.inFlight === 1);

    // Queued on the master and, through WAIT, on the replica before the hub answers.
    const { jobId } = await api.ok<{ jobId: string }>('POST', '/api/v1/exclusion-sets/recompute');
    assert.match(jobId, /^recompute-[0-9a-f-]{36}$/);
    const { oldPort, newPort } = await group.killMaster();
    assert.notEqual(newPort, oldPort);

    const job = await waitForJob(api, jobId);
    assert.equal(job.result?.version, 1);
    await waitFor('the delivery to be recorded', async () => (await prisma.alertDelivery.findFirst())?.status === 'delivered', 60_000);
    // A later detection re-queues every pending delivery; a delivered one must not go out again.
    await api.evaluate();
    await new Promise((r) => setTimeout(r, 1_500));

    assert.equal(await prisma.exclusionSet.count({ where: { jobId } }), 1, 'one version for the job');
    assert.equal(await prisma.exclusionSet.count(), 1, 'no other version appeared');
    const deliveries = await prisma.alertDelivery.findMany({ include: { attemptLog: true } });
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].status, 'delivered');
    assert.deepEqual(receiver.deliveryIds, [deliveries[0].id], 'the receiver got the alert exactly once');
  });

  test('the same job run again (a retry after a failover) finds its version and stores nothing', async () => {
    const [set] = await prisma.exclusionSet.findMany();
    assert.ok(set.jobId);
    const again = await hub.app.get(ExclusionRecomputeService).recompute(set.jobId);
    assert.equal(again.alreadyStored, true);
    assert.equal(again.version, set.version);
    assert.equal(again.items, await prisma.exclusionItem.count({ where: { setId: set.id } }));
    assert.equal(await prisma.exclusionSet.count(), 1);
    // A Redis counter id is not a run's identity (it restarts when Redis loses its data): it stores a new version.
    const counter = await hub.app.get(ExclusionRecomputeService).recompute('1');
    assert.equal(counter.alreadyStored, undefined);
    assert.equal(counter.version, set.version + 1);
  });
});

describe('Redis Cluster', () => {
  let cluster: RedisCluster;
  let db: TestDatabase;
  let hub: RunningHub;
  let api: Api;

  before(async () => {
    cluster = await RedisCluster.start();
    ({ db, hub } = await startTestHub('redis_cluster', {
      REDIS_URL: cluster.url,
      FLEETTUNE_ADMIN_TOKEN: ADMIN,
      FLEETTUNE_QUEUE_PREFIX: 'ftcluster',
      FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
      FLEETTUNE_ALERTS_LEARNING_SECONDS: '0',
    }));
    api = new Api(`http://127.0.0.1:${hub.httpPort}`, ADMIN);
  });

  after(async () => {
    await hub?.close();
    await db?.drop();
    await cluster?.stop();
  });

  test('recompute and alert jobs run, each queue in one hash slot under the tagged prefix', async () => {
    await ingestFleet(hub, { withHelper: true });
    const { jobId } = await api.ok<{ jobId: string }>('POST', '/api/v1/exclusion-sets/recompute');
    const job = await waitForJob(api, jobId);
    assert.equal(job.result?.version, 1);
    assert.equal((await api.evaluate<{ created: string[] }>()).created.length, 1);

    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      const keys: string[] = [];
      for (const port of cluster.ports) {
        const node = new Redis({ host: '127.0.0.1', port });
        keys.push(...(await node.keys('*')));
        node.disconnect();
      }
      const queueKeys = keys.filter((k) => k.includes('ftcluster'));
      assert.ok(queueKeys.length > 0, 'the queues are in the cluster');
      assert.ok(
        queueKeys.every((k) => k.startsWith('{ftcluster}:')),
        `every queue key is hash-tagged: ${queueKeys.filter((k) => !k.startsWith('{ftcluster}:')).join(', ')}`,
      );
      const slots = new Set(await Promise.all(queueKeys.map((k) => client.call('CLUSTER', 'KEYSLOT', k))));
      assert.equal(slots.size, 1, 'one slot for all of them');
    } finally {
      client.disconnect();
    }
  });
});
