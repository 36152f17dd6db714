import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, Metadata, ServiceError, credentials, makeGenericClientConstructor, status } from '@grpc/grpc-js';
import { BatchAck, BatchAck_Status, CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { agentAuth, uploadBatches } from '../testing/agent-upload';
import { enrollAgent, execAndFileBatch } from '../testing/agent-enroll';

const ENROLL = 'ingest-spec-enroll-secret-000000';
const MAX_BATCH_BYTES = 4096;

const fx = useTestHub('ingest_spec', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  FLEETTUNE_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES),
  FLEETTUNE_AGENT_BATCH_BURST: '5',
  FLEETTUNE_AGENT_BATCHES_PER_SECOND: '0.5',
});

const enroll = (secret: string, hostname: string) =>
  enrollAgent(fx.client, { enrollSecret: secret, hostname, agentVersion: 'test', machineId: `m-${hostname}` });

const upload = (md: Metadata, batches: CountBatch[]): Promise<BatchAck[]> => uploadBatches(fx.client, md, batches);

const batch = (hostId: string, sequence: number, extra: Partial<CountBatch> = {}) =>
  execAndFileBatch(hostId, sequence, Date.UTC(2026, 10, 24, 10, 0, 0), extra);

async function storedExecTotal(hostId: string): Promise<number> {
  const r = await fx.prisma.execCount.aggregate({ where: { hostId }, _sum: { count: true } });
  return Number(r._sum.count ?? 0n);
}

test('enrolling with a wrong secret is UNAUTHENTICATED', async () => {
  await assert.rejects(enroll('wrong-secret-wrong-secret', 'h0'), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
});

test('Enroll records on the host which secret enrolled it, when, and from which peer address', async () => {
  const before = Date.now();
  const { hostId } = await enroll(ENROLL, 'h-provenance');
  const host = await fx.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
  const secret = await fx.prisma.enrollmentSecret.findFirstOrThrow({ where: { id: host.enrollmentSecretId ?? '' } });
  assert.ok(secret.uses >= 1);
  assert.ok(host.enrolledAt && host.enrolledAt.getTime() >= before - 1000 && host.enrolledAt.getTime() <= Date.now());
  assert.equal(host.enrollPeerAddress, '127.0.0.1');
});

test('uploads without a token or with an unknown token are UNAUTHENTICATED', async () => {
  const { hostId } = await enroll(ENROLL, 'h-noauth');
  await assert.rejects(upload(new Metadata(), [batch(hostId, 1)]), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
  await assert.rejects(upload(agentAuth('ftagent_forged'), [batch(hostId, 1)]), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
  assert.equal(await storedExecTotal(hostId), 0);
});

test('a batch is acked after commit and the same (host, sequence) again changes nothing', async () => {
  const { agentToken, hostId } = await enroll(ENROLL, 'h-idem');
  const first = await upload(agentAuth(agentToken), [batch(hostId, 1), batch(hostId, 2)]);
  assert.deepEqual(
    first.map((a) => [a.sequence, a.status]),
    [
      [1, BatchAck_Status.COMMITTED],
      [2, BatchAck_Status.COMMITTED],
    ],
  );
  assert.equal(await storedExecTotal(hostId), 4);
  const again = await upload(agentAuth(agentToken), [batch(hostId, 2), batch(hostId, 1)]);
  assert.deepEqual(
    again.map((a) => a.status),
    [BatchAck_Status.DUPLICATE, BatchAck_Status.DUPLICATE],
  );
  assert.equal(await storedExecTotal(hostId), 4);
});

test("a batch for another agent's host is refused and nothing is written", async () => {
  const a = await enroll(ENROLL, 'h-victim');
  const b = await enroll(ENROLL, 'h-forger');
  await assert.rejects(upload(agentAuth(b.agentToken), [batch(a.hostId, 1)]), (e: ServiceError) => e.code === status.PERMISSION_DENIED);
  assert.equal(await storedExecTotal(a.hostId), 0);
});

test('malformed, invalid and oversized batches are INVALID_ARGUMENT with nothing written', async () => {
  const { agentToken, hostId } = await enroll(ENROLL, 'h-bad');
  const invalid = [
    batch(hostId, 1, { windowEndMs: Date.UTC(2026, 10, 24, 9, 0, 0) }),
    batch(hostId, 1, { execs: [{ path: '/bin/x', parentPath: '', user: '', count: 0 }] }),
    batch(hostId, 1, { files: [{ path: 'a\u0000b', op: 'modify', processPath: '', count: 1 }] }),
    batch(hostId, 1, { source: 'Bad Source!' }),
    batch(hostId, 0),
    // Over FLEETTUNE_MAX_BATCH_BYTES but under the transport's hard cap.
    batch(hostId, 1, { files: Array.from({ length: 100 }, (_, i) => ({ path: `/tmp/${'x'.repeat(30)}/${i}`, op: 'create', processPath: '', count: 1 })) }),
  ];
  for (const b of invalid) {
    await assert.rejects(upload(agentAuth(agentToken), [b]), (e: ServiceError) => e.code === status.INVALID_ARGUMENT);
  }
  // Far over the limit: the transport refuses it before it is even decoded.
  const huge = batch(hostId, 1, {
    files: Array.from({ length: 400 }, (_, i) => ({ path: `/tmp/${'y'.repeat(40)}/${i}`, op: 'create', processPath: '', count: 1 })),
  });
  await assert.rejects(upload(agentAuth(agentToken), [huge]), (e: ServiceError) => e.code === status.RESOURCE_EXHAUSTED);
  // Bytes that are not a CountBatch at all.
  const Raw = makeGenericClientConstructor(
    {
      uploadBatches: {
        path: '/fleettune.v1.AgentService/UploadBatches',
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Raw',
  );
  const raw = new Raw(`127.0.0.1:${fx.hub.grpcPort}`, credentials.createInsecure()) as unknown as Client & {
    uploadBatches(md: Metadata): import('@grpc/grpc-js').ClientDuplexStream<Buffer, Buffer>;
  };
  await assert.rejects(
    new Promise((resolve, reject) => {
      const call = raw.uploadBatches(agentAuth(agentToken));
      call.on('error', reject);
      call.on('data', () => undefined);
      call.on('end', resolve);
      call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
      call.end();
    }),
    (e: ServiceError) => e.code === status.INVALID_ARGUMENT,
  );
  raw.close();
  assert.equal(await storedExecTotal(hostId), 0);
  assert.equal(await fx.prisma.ingestBatch.count({ where: { hostId } }), 0);
});

test('an agent revoked while its stream is open is refused from then on', async () => {
  const { agentToken, hostId } = await enroll(ENROLL, 'h-revoked');
  await upload(agentAuth(agentToken), [batch(hostId, 1)]);
  await fx.prisma.agent.updateMany({ where: { hostId }, data: { revokedAt: new Date() } });
  await new Promise((r) => setTimeout(r, 1_100));
  await assert.rejects(upload(agentAuth(agentToken), [batch(hostId, 2)]), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
  assert.equal(await storedExecTotal(hostId), 2);
});

test('an agent over its rate is told to slow down, and nothing it sent is refused', async () => {
  const { agentToken, hostId } = await enroll(ENROLL, 'h-fast');
  const acks = await upload(
    agentAuth(agentToken),
    Array.from({ length: 12 }, (_, i) => batch(hostId, i + 1)),
  );
  assert.equal(acks.length, 12);
  assert.ok(acks.every((a) => a.status === BatchAck_Status.COMMITTED));
  assert.equal(acks.slice(0, 5).filter((a) => a.slowDownMs > 0).length, 0, 'the burst passes freely');
  assert.ok(
    acks.slice(5).some((a) => a.slowDownMs > 0),
    'past the burst the hub asks for a slower pace',
  );
});
