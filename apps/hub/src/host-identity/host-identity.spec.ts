import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck_Status } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { startTestHub } from '../testing/test-hub';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { enrollAgent, specBatch } from '../testing/agent-enroll';

/**
 * Issue 13 item 3, reproduced on a real hub: a client holding only the enrollment secret tried to
 * claim an enrolled host by its machine id, pre-send its sequence numbers, and re-enroll after
 * revocation. On the hub before issue 13 each of these worked.
 */
const ENROLL = 'identity-spec-enroll-secret-0000';
const ADMIN = 'identity-spec-admin-token-000000';

const fx = useTestHub('host_identity_spec', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ADMIN_TOKEN: ADMIN });

async function rest<T>(method: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fx.api(`/api/v1${path}`, { method });
  return { status: res.status, body: (await res.json()) as T };
}

const codeOf = (e: unknown) => (e as ServiceError).code;

test('takeover: enrolling with the machine id of an enrolled host is refused; the host keeps its name and its one agent', async () => {
  const victim = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'victim-mac', os: 'darwin', machineId: 'mid-victim-mac' });
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'victim-mac', os: 'darwin', machineId: 'mid-victim-mac' }),
    (e: ServiceError) => e.code === status.ALREADY_EXISTS && /rekey/.test(e.details),
  );
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'renamed', machineId: 'mid-victim-mac' }),
    (e: ServiceError) => e.code === status.ALREADY_EXISTS,
  );
  const host = await fx.prisma.host.findUniqueOrThrow({ where: { id: victim.hostId }, include: { agents: true } });
  assert.equal(host.hostname, 'victim-mac');
  assert.deepEqual(
    host.agents.map((a) => a.id),
    [victim.agentId],
  );
  const refusals = await fx.prisma.auditLogEntry.findMany({ where: { action: 'enrollment.refuse' } });
  assert.ok(
    refusals.some(
      (r) =>
        (r.details as { reason?: string; existingHostId?: string }).reason === 'machine-id-enrolled' &&
        (r.details as { existingHostId?: string }).existingHostId === victim.hostId,
    ),
    'the refused claim is in the audit log with the host it aimed at',
  );
});

test("pre-sent sequences: another client cannot make the real agent's next batch DUPLICATE", async () => {
  const victim = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'victim-seq', machineId: 'mid-victim-seq' });
  assert.equal((await uploadBatches(fx.client, victim.agentToken, [specBatch(victim.hostId, 1)]))[0].status, BatchAck_Status.COMMITTED);
  // The attacker's best tries: claim the host, or send the victim's next sequences under its own token.
  const claim = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'victim-seq', machineId: 'mid-victim-seq' }).catch((e: unknown) => e);
  assert.equal(codeOf(claim), status.ALREADY_EXISTS, 'the claim is refused');
  const attacker = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'attacker', machineId: 'mid-attacker' });
  assert.notEqual(attacker.hostId, victim.hostId, 'the hub issued the attacker a host of its own');
  await assert.rejects(
    uploadBatches(fx.client, attacker.agentToken, [specBatch(victim.hostId, 2, '/opt/forged', 999), specBatch(victim.hostId, 3, '/opt/forged', 999)]),
    (e: ServiceError) => e.code === status.PERMISSION_DENIED,
  );
  const acks = await uploadBatches(fx.client, victim.agentToken, [specBatch(victim.hostId, 2), specBatch(victim.hostId, 3)]);
  assert.deepEqual(
    acks.map((a) => a.status),
    [BatchAck_Status.COMMITTED, BatchAck_Status.COMMITTED],
  );
  const forged = await fx.prisma.execCount.count({ where: { hostId: victim.hostId, path: '/opt/forged' } });
  assert.equal(forged, 0, 'nothing forged landed on the victim');
  // Resends of the same agent stay idempotent.
  assert.equal((await uploadBatches(fx.client, victim.agentToken, [specBatch(victim.hostId, 3)]))[0].status, BatchAck_Status.DUPLICATE);
});

test('re-enrolling after revocation is refused: revoking blocks the host until an admin lifts it; re-key moves it to a new agent', async () => {
  const first = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'revoked-host', machineId: 'mid-revoked' });
  assert.equal((await uploadBatches(fx.client, first.agentToken, [specBatch(first.hostId, 1), specBatch(first.hostId, 2)])).length, 2);

  const revoked = await rest<{ revokedAt: string | null }>('POST', `/agents/${first.agentId}/revoke`);
  assert.equal(revoked.status, 201);
  assert.ok(revoked.body.revokedAt);
  assert.equal((await fx.prisma.host.findUniqueOrThrow({ where: { id: first.hostId } })).status, 'blocked');

  // The same call that re-enrolled onto the host before issue 13:
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'revoked-host', machineId: 'mid-revoked' }),
    (e: ServiceError) => e.code === status.PERMISSION_DENIED && /blocked/.test(e.details),
  );
  await assert.rejects(uploadBatches(fx.client, first.agentToken, [specBatch(first.hostId, 3)]), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
  assert.equal((await rest('POST', `/hosts/${first.hostId}/rekey`)).status, 409, 'a blocked host is not re-keyed before the block is lifted');

  const lifted = await rest<{ status: string }>('POST', `/hosts/${first.hostId}/unblock`);
  assert.equal(lifted.status, 200);
  assert.equal(lifted.body.status, 'active');
  // Lifting the block alone gives nobody the host: the machine id still cannot enroll.
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'revoked-host', machineId: 'mid-revoked' }),
    (e: ServiceError) => e.code === status.ALREADY_EXISTS,
  );

  const grant = await rest<{ rekeyToken: string; hostId: string; expiresAt: string }>('POST', `/hosts/${first.hostId}/rekey`);
  assert.equal(grant.status, 200);
  assert.match(grant.body.rekeyToken, /^ftrekey_/);
  const second = await enrollAgent(fx.client, { enrollSecret: grant.body.rekeyToken, hostname: 'revoked-host', machineId: 'mid-revoked-reinstalled' });
  assert.equal(second.hostId, first.hostId, 'the re-key token binds the same host');
  assert.notEqual(second.agentId, first.agentId);
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: grant.body.rekeyToken, hostname: 'revoked-host', machineId: 'mid-other' }),
    (e: ServiceError) => e.code === status.UNAUTHENTICATED,
    'the re-key token is one-time',
  );

  // Idempotency is per (agent, sequence): the new agent starts at 1 again and is not taken for a resend.
  const acks = await uploadBatches(fx.client, second.agentToken, [specBatch(first.hostId, 1, '/usr/bin/new'), specBatch(first.hostId, 2, '/usr/bin/new')]);
  assert.deepEqual(
    acks.map((a) => a.status),
    [BatchAck_Status.COMMITTED, BatchAck_Status.COMMITTED],
  );
  assert.deepEqual(
    acks.map((a) => a.sequence),
    [1, 2],
    "acks carry the agent's own sequences",
  );
  assert.equal((await uploadBatches(fx.client, second.agentToken, [specBatch(first.hostId, 2, '/usr/bin/new')]))[0].status, BatchAck_Status.DUPLICATE);
  const batches = await fx.prisma.ingestBatch.findMany({ where: { hostId: first.hostId }, orderBy: { sequence: 'asc' } });
  assert.deepEqual(
    batches.map((b) => b.agentId),
    [first.agentId, first.agentId, second.agentId, second.agentId],
  );
  assert.equal(await fx.prisma.execCount.count({ where: { hostId: first.hostId, path: '/usr/bin/new' } }), 2);

  const actions = (await fx.prisma.auditLogEntry.findMany({ where: { targetId: first.hostId }, orderBy: { id: 'asc' } })).map((a) => a.action);
  for (const a of ['enrollment.accept', 'enrollment.refuse', 'host.unblock', 'host.rekey']) assert.ok(actions.includes(a), `audited: ${a} in ${actions}`);
});

test('re-key of an active host revokes its agent at once; the token expires and never opens a blocked host', async () => {
  const a = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'moving-host', machineId: 'mid-moving' });
  const grant = await rest<{ rekeyToken: string; revokedAgents: number }>('POST', `/hosts/${a.hostId}/rekey`);
  assert.equal(grant.body.revokedAgents, 1);
  await assert.rejects(uploadBatches(fx.client, a.agentToken, [specBatch(a.hostId, 1)]), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
  await fx.prisma.host.update({ where: { id: a.hostId }, data: { rekeyExpiresAt: new Date(Date.now() - 1000) } });
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: grant.body.rekeyToken, hostname: 'moving-host' }),
    (e: ServiceError) => e.code === status.UNAUTHENTICATED,
  );
  const again = await rest<{ rekeyToken: string }>('POST', `/hosts/${a.hostId}/rekey`);
  assert.equal((await rest('POST', `/hosts/${a.hostId}/block`)).status, 200);
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: again.body.rekeyToken, hostname: 'moving-host' }),
    (e: ServiceError) => e.code === status.UNAUTHENTICATED,
  );
});

test('host admin routes are admin-only and 404 for unknown hosts', async () => {
  assert.equal((await rest('POST', '/hosts/00000000-0000-4000-8000-000000000000/approve')).status, 404);
  const res = await fetch(`${fx.base}/api/v1/hosts/00000000-0000-4000-8000-000000000000/rekey`, { method: 'POST' });
  assert.equal(res.status, 401);
});

test('approval mode: a new host is pending and cannot upload until an admin approves it', async () => {
  const other = await startTestHub('host_identity_approval', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    FLEETTUNE_ENROLL_REQUIRE_APPROVAL: '1',
  });
  const c = new AgentServiceClient(`127.0.0.1:${other.hub.grpcPort}`, credentials.createInsecure());
  try {
    const a = await enrollAgent(c, { enrollSecret: ENROLL, hostname: 'new-laptop', machineId: 'mid-new-laptop' });
    const p = other.hub.app.get(PrismaService);
    assert.equal((await p.host.findUniqueOrThrow({ where: { id: a.hostId } })).status, 'pending');
    await assert.rejects(
      uploadBatches(c, a.agentToken, [specBatch(a.hostId, 1)]),
      (e: ServiceError) => e.code === status.FAILED_PRECONDITION && /approval/.test(e.details),
    );
    const hosts = (await (
      await fetch(`http://127.0.0.1:${other.hub.httpPort}/api/v1/hosts`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as Array<{ id: string; enrollment: string }>;
    assert.equal(hosts.find((h) => h.id === a.hostId)?.enrollment, 'pending', 'GET /hosts shows the host as pending');
    const approved = await fetch(`http://127.0.0.1:${other.hub.httpPort}/api/v1/hosts/${a.hostId}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(approved.status, 200);
    assert.equal(((await approved.json()) as { status: string }).status, 'active');
    assert.equal((await uploadBatches(c, a.agentToken, [specBatch(a.hostId, 1)]))[0].status, BatchAck_Status.COMMITTED);
    assert.ok(await p.auditLogEntry.findFirst({ where: { action: 'host.approve', targetId: a.hostId } }), 'the approval is audited');
  } finally {
    c.close();
    await other.hub.close();
    await other.db.drop();
  }
});
