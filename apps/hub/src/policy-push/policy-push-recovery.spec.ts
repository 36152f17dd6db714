import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { PrismaService } from '../database/prisma.service';
import { QUEUES } from '../jobs/job-registry';
import { runJobToEnd } from '../testing/run-job';
import { ConsoleHub, startConsoleHub } from '../testing/console-target-fixture';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../webhooks/webhook-signature';
import { PolicyPushRecoveryService, PushRecoveryResult } from './policy-push-recovery.service';

/**
 * A push whose delivery job Redis lost (a Redis restart without persistence, a failover) is queued
 * again with the body kept on its row, and delivered exactly once; real Redis, PostgreSQL and a
 * webhook receiver on loopback. The job is lost for real: removed from Redis while the queue is paused.
 */
const SECRET = 'push-recovery-webhook-secret-0123456789';
let h: ConsoleHub;
let queue: Queue;
let prisma: PrismaService;
let receiver: Server;
let targetId: string;
const received: Array<{ body: string; headers: IncomingMessage['headers'] }> = [];

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  h = await startConsoleHub('policy_push_recovery', 'linux');
  queue = h.hub.app.get<Queue>(getQueueToken(QUEUES.policyPush));
  prisma = h.hub.app.get(PrismaService);
  await h.decide('/opt/syncagent/bin/syncagent', 'approved', 'process');
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const created = await h.api('POST', '/api/v1/policy-targets', { name: 'recovered-webhook', kind: 'webhook', url, secret: SECRET });
  assert.equal(created.status, 201, created.text);
  targetId = created.body.id;
});

after(async () => {
  await h?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

/** Queues a push while the queue is paused and removes its job from Redis: a push whose job was lost. */
async function pushWithLostJob(): Promise<string> {
  await queue.pause();
  const set = (await h.api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string };
  const push = await h.api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId }, 'approver');
  assert.equal(push.status, 202, push.text);
  const pushId = push.body.pushId as string;
  assert.ok(await queue.getJob(pushId), 'the push was queued');
  await queue.remove(pushId);
  assert.equal(await queue.getJob(pushId), undefined, 'the job is gone from Redis');
  return pushId;
}

/** Runs the recovery as the scheduler does: a `recover` job on the policy-push queue, through the worker. */
const runRecoveryJob = async (minAgeMs: number) => (await runJobToEnd(h.hub.app, 'recoverPolicyPushes', { minAgeMs })) as PushRecoveryResult;

test('a push whose job Redis lost is queued again with its kept body and delivered once, signed', async () => {
  const pushId = await pushWithLostJob();
  const row = await prisma.policyPush.findUniqueOrThrow({ where: { id: pushId } });
  assert.equal(row.status, 'queued');
  assert.ok(row.body && JSON.parse(row.body), 'the body to deliver is kept on the push');

  const recovery = h.hub.app.get(PolicyPushRecoveryService);
  // A young push may be between its row and its job: left alone by default.
  assert.deepEqual((await recovery.recoverLost()).requeued, []);
  // The queue is paused, so the queued-again job waits: a second recovery (another replica) adds nothing.
  assert.deepEqual((await recovery.recoverLost(0)).requeued, [pushId]);
  const again = await recovery.recoverLost(0);
  assert.deepEqual(again.requeued, []);
  assert.ok(again.checked >= 1, 'the push was looked at and its job found');
  assert.equal(received.length, 0);

  await queue.resume();
  const done = await h.waitPush(targetId, pushId);
  assert.equal(done.status, 'delivered', done.lastError ?? '');
  assert.equal(received.length, 1, 'delivered exactly once');
  const [got] = received;
  assert.equal(got.body, row.body, 'the bytes delivered are the ones kept at push time');
  assert.equal(got.headers[DELIVERY_HEADER.toLowerCase()], pushId);
  const signed = {
    body: got.body,
    timestamp: String(got.headers[TIMESTAMP_HEADER.toLowerCase()]),
    signature: String(got.headers[SIGNATURE_HEADER.toLowerCase()]),
  };
  assert.deepEqual(verifyWebhook(SECRET, signed), { ok: true });
  assert.deepEqual(
    (JSON.parse(got.body) as { items: Array<{ value: string }> }).items.map((i) => i.value),
    ['/opt/syncagent/bin/syncagent'],
    'only the approved item',
  );
  // Delivered: later recoveries leave it alone.
  const later = await runRecoveryJob(0);
  assert.ok(!later.requeued.includes(pushId) && !later.failed.includes(pushId));
});

test('the scheduled recover job runs on the worker; a lost push without a kept body is failed with a reason, never silently pending', async () => {
  const scheduler = await queue.getJobScheduler('recover-policy-pushes');
  assert.equal(Number(scheduler?.every), 300_000, 'declared every FLEETTUNE_POLICY_PUSH_RECOVER_SECONDS (default 300 s)');

  const pushId = await pushWithLostJob();
  // A push queued by a hub from before bodies were kept.
  await prisma.policyPush.update({ where: { id: pushId }, data: { body: null } });
  await queue.resume();
  const result = await runRecoveryJob(0);
  assert.deepEqual(result.failed, [pushId]);
  assert.deepEqual(result.requeued, []);
  const row = await prisma.policyPush.findUniqueOrThrow({ where: { id: pushId } });
  assert.equal(row.status, 'failed');
  assert.match(row.lastError ?? '', /lost by Redis .* push the set again/);
  assert.equal(received.filter((r) => r.headers[DELIVERY_HEADER.toLowerCase()] === pushId).length, 0, 'nothing was sent for it');
});
