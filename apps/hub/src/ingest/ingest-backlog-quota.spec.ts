/**
 * The per-agent limits' defaults must not refuse a legitimate agent that
 * drains a long backlog after an outage on one stream (the chaos suite's
 * scenario spools 3,000 one-second windows of one real audit log). Here 600
 * windows of 200 rows each: the rows of 3,000 windows of 40, in a fifth of
 * the transactions, so the spec stays short on a shared machine.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck_Status, CountBatch } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { uploadBatches } from '../testing/agent-upload';

const ENROLL = 'backlog-quota-enroll-secret-0000';
const WINDOWS = 600;
const ROWS_PER_WINDOW = 200;
let db: TestDatabase;
let hub: RunningHub;
let client: AgentServiceClient;

before(async () => {
  // Every limit at its default.
  ({ db, hub } = await startTestHub('ingest_backlog_quota', { FLEETTUNE_ENROLL_SECRET: ENROLL }));
  client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, credentials.createInsecure());
});

after(async () => {
  client?.close();
  await hub?.close();
  await db?.drop();
});

test(`a ${WINDOWS}-window backlog drains on one stream under the default quotas: nothing refused`, async () => {
  const { agentToken, hostId } = await new Promise<{ agentToken: string; hostId: string }>((resolve, reject) =>
    client.enroll({ enrollSecret: ENROLL, hostname: 'backlog-01', os: 'linux', agentVersion: 'test', machineId: 'm-backlog-01' }, (err, res) =>
      err ? reject(err) : resolve(res!),
    ),
  );
  const start = Date.now() - 3 * 3_600_000;
  const batches = Array.from({ length: WINDOWS }, (_, i) =>
    CountBatch.fromPartial({
      hostId,
      sequence: i + 1,
      windowStartMs: start + i * 1000,
      windowEndMs: start + (i + 1) * 1000,
      source: 'linux-audit',
      events: 5000,
      execs: Array.from({ length: ROWS_PER_WINDOW / 2 }, (_, r) => ({ path: `/usr/bin/tool${r}`, parentPath: '/opt/app/bin/app', user: 'root', count: 100 })),
      files: Array.from({ length: ROWS_PER_WINDOW / 2 }, (_, r) => ({ path: `/var/lib/app/f${r}`, op: 'modify', processPath: '/opt/app/bin/app', count: 150 })),
    }),
  );
  const acks = await uploadBatches(client, agentToken, batches);
  assert.equal(acks.length, WINDOWS);
  assert.ok(acks.every((a) => a.status === BatchAck_Status.COMMITTED));
  const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`)).text();
  assert.doesNotMatch(metrics, /^fleettune_ingest_refused_total\{[^}]*\} [1-9]/m);
});
