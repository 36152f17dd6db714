import assert from 'node:assert/strict';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { test } from 'node:test';
import { enrollAgent } from '../testing/agent-enroll';
import { useTestHub } from '../testing/hub-fixture';

// An agent killed between the hub's Enroll answer and saving its credentials (the chaos suite's
// kill -9 did it) enrolls again: with its install key it gets its own host back; without it, or
// with another key, the machine id stays refused (issue 13: hosts cannot be claimed).
const ENROLL = 'install-key-spec-enroll-secret-00';
const fx = useTestHub('enroll_install_key_spec', { FLEETTUNE_ENROLL_SECRET: ENROLL });
const KEY = 'a'.repeat(64);

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: ServiceError) => GrpcStatus[e.code],
  );

test('the same install enrolls again after losing its answer; another key or none is still refused', async () => {
  const req = { enrollSecret: ENROLL, hostname: 'crashy-01', machineId: 'machine-crashy-01', installKey: KEY };
  const first = await enrollAgent(fx.client, req);
  const again = await enrollAgent(fx.client, req);
  assert.equal(again.hostId, first.hostId, 'its own host, not a new one');
  assert.notEqual(again.agentId, first.agentId);
  assert.notEqual(again.agentToken, first.agentToken);
  const agents = await fx.prisma.agent.findMany({ where: { hostId: first.hostId }, orderBy: { createdAt: 'asc' } });
  assert.deepEqual(
    agents.map((a) => [a.id, a.revokedAt !== null]),
    [
      [first.agentId, true],
      [again.agentId, false],
    ],
    'the unused agent is retired',
  );
  assert.ok(agents[1].sequenceBase > agents[0].sequenceBase, 'a new sequence range');
  const host = await fx.prisma.host.findUniqueOrThrow({ where: { id: first.hostId } });
  assert.equal(host.status, 'active', 'not blocked');

  assert.equal(await code(enrollAgent(fx.client, { ...req, installKey: 'b'.repeat(64) })), 'ALREADY_EXISTS');
  assert.equal(await code(enrollAgent(fx.client, { ...req, installKey: undefined })), 'ALREADY_EXISTS');
  assert.equal(await code(enrollAgent(fx.client, { ...req, installKey: 'short' })), 'ALREADY_EXISTS');
  const stored = await fx.prisma.host.findUniqueOrThrow({ where: { id: first.hostId }, select: { installKeyHash: true } });
  assert.ok(stored.installKeyHash && !stored.installKeyHash.includes(KEY), 'only a digest of the key is stored');
});

test('a blocked host is not given back, even to its own install key', async () => {
  const req = { enrollSecret: ENROLL, hostname: 'crashy-02', machineId: 'machine-crashy-02', installKey: 'c'.repeat(64) };
  const first = await enrollAgent(fx.client, req);
  await fx.prisma.host.update({ where: { id: first.hostId }, data: { status: 'blocked' } });
  assert.equal(await code(enrollAgent(fx.client, req)), 'PERMISSION_DENIED');
});
