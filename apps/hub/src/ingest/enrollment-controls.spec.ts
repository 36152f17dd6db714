import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient } from '@fleettune/proto';
import { randomBytes } from 'node:crypto';
import { createMigratedTestDatabase } from '@fleettune/db-tools';
import { loadHubConfig } from '../config/hub-config';
import { PrismaService } from '../database/prisma.service';
import { startHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { useTestHub } from '../testing/hub-fixture';
import { enrollAgent } from '../testing/agent-enroll';

/**
 * Issue 13 item 4 (and the host-name part of item 8) on a real hub: the maxUses race, the bootstrap
 * secret's expiry and use limit, the Enroll rate limits, the audit of every enrollment and refusal,
 * and DNS-label host names.
 */
const ENROLL = 'controls-spec-enroll-secret-0000';
const ADMIN = 'controls-spec-admin-token-000000';

const fx = useTestHub('enroll_controls_spec', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  FLEETTUNE_ADMIN_TOKEN: ADMIN,
  // Room for this file's enrollments from 127.0.0.1; the limits have their own hub below.
  FLEETTUNE_ENROLL_PER_ADDRESS_PER_MINUTE: '1000',
  FLEETTUNE_ENROLL_PER_MINUTE: '1000',
});

async function createSecret(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${fx.base}/api/v1/enrollment-secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { id: string; secret: string };
}

test('maxUses is atomic: 8 concurrent enrollments on a maxUses=1 secret enroll exactly 1', async () => {
  const s = await createSecret({ name: 'race', maxUses: 1 });
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => enrollAgent(fx.client, { enrollSecret: s.secret, hostname: `race-${i}`, machineId: `mid-race-${i}` })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(ok.length, 1, 'exactly one enrolled');
  assert.ok(
    refused.every((r) => (r.reason as ServiceError).code === status.UNAUTHENTICATED),
    'the other 7 are UNAUTHENTICATED',
  );
  const row = await fx.prisma.enrollmentSecret.findUniqueOrThrow({ where: { id: s.id } });
  assert.equal(row.uses, 1);
  assert.equal(await fx.prisma.host.count({ where: { hostname: { startsWith: 'race-' } } }), 1);
  const usedUp = await fx.prisma.auditLogEntry.findMany({ where: { action: 'enrollment.refuse' } });
  assert.equal(usedUp.filter((e) => (e.details as { reason?: string }).reason === 'secret-used-up').length, 7, 'each refusal is audited with its reason');
});

test('a refused enrollment (the machine id is taken) does not spend a use of the secret', async () => {
  const s = await createSecret({ name: 'one-use', maxUses: 1 });
  await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'taken', machineId: 'mid-taken' });
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: s.secret, hostname: 'taken', machineId: 'mid-taken' }),
    (e: ServiceError) => e.code === status.ALREADY_EXISTS,
  );
  assert.equal((await fx.prisma.enrollmentSecret.findUniqueOrThrow({ where: { id: s.id } })).uses, 0);
  assert.ok(await enrollAgent(fx.client, { enrollSecret: s.secret, hostname: 'fresh', machineId: 'mid-fresh' }));
});

test('every enrollment and every refusal is in the audit log, with peer address and reason, never the secret', async () => {
  const ok = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'audited-host', machineId: 'mid-audited' });
  await assert.rejects(
    enrollAgent(fx.client, { enrollSecret: 'wrong-secret-for-the-audit-0000', hostname: 'audited-wrong' }),
    (e: ServiceError) => e.code === status.UNAUTHENTICATED,
  );
  const accepted = await fx.prisma.auditLogEntry.findFirstOrThrow({ where: { action: 'enrollment.accept', targetId: ok.hostId } });
  assert.equal(accepted.actor, 'enroll:127.0.0.1');
  const d = accepted.details as Record<string, unknown>;
  assert.equal(d.hostname, 'audited-host');
  assert.equal(d.agentId, ok.agentId);
  assert.equal(d.via, 'secret');
  assert.equal(typeof d.enrolledWith, 'string', 'which secret enrolled it');
  const refused = await fx.prisma.auditLogEntry.findMany({ where: { action: 'enrollment.refuse' } });
  const wrong = refused.find((e) => (e.details as { hostname?: string }).hostname === 'audited-wrong');
  assert.equal((wrong?.details as { reason?: string }).reason, 'secret-unknown');
  const all = JSON.stringify(await fx.prisma.auditLogEntry.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  assert.ok(!all.includes(ENROLL) && !all.includes('wrong-secret-for-the-audit'), 'no secret in the audit log');
  // The REST audit log shows them to admins.
  const res = await fx.api('/api/v1/audit-log?action=enrollment.');
  assert.ok(((await res.json()) as { items: unknown[] }).items.length >= 2);
});

test('host names are DNS labels: anything else is INVALID_ARGUMENT (not normalized), and audited', async () => {
  const ok = ['web-01', 'a', 'host.example.org', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, 'Mac-Mini-7'];
  for (const [i, hostname] of ok.entries()) {
    assert.ok(await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname, machineId: `mid-dns-ok-${i}` }), hostname);
  }
  const bad = [
    '<!here> ping <https://evil.example/login|fleettune.corp/login>',
    'victim mac',
    'under_score',
    '-leading',
    'trailing-',
    'dot..dot',
    'trailing.',
    'a'.repeat(64),
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
    'host`name`',
    'hôte',
    '',
  ];
  for (const [i, hostname] of bad.entries()) {
    await assert.rejects(
      enrollAgent(fx.client, { enrollSecret: ENROLL, hostname, machineId: `mid-dns-bad-${i}` }),
      (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /hostname/.test(e.details),
      JSON.stringify(hostname),
    );
  }
  assert.equal(await fx.prisma.host.count({ where: { machineId: { startsWith: 'mid-dns-bad-' } } }), 0);
  const refusals = await fx.prisma.auditLogEntry.findMany({ where: { action: 'enrollment.refuse' } });
  assert.ok(refusals.filter((r) => (r.details as { reason?: string }).reason === 'invalid-hostname').length >= bad.length);
});

test('Enroll is rate-limited per peer address and per hub: RESOURCE_EXHAUSTED, audited once per minute per address', async () => {
  const limited = await startTestHub('enroll_rate_spec', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ENROLL_PER_ADDRESS_PER_MINUTE: '3' });
  const c = new AgentServiceClient(`127.0.0.1:${limited.hub.grpcPort}`, credentials.createInsecure());
  try {
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
      // Wrong secrets count too: guessing is throttled like enrolling.
      const secret = i % 2 ? ENROLL : 'wrong-secret-wrong-secret-000';
      outcomes.push(
        await enrollAgent(c, { enrollSecret: secret, hostname: `rl-${i}`, machineId: `mid-rl-${i}` }).then(
          () => 'ok',
          (e: ServiceError) => status[e.code],
        ),
      );
    }
    assert.deepEqual(outcomes, ['UNAUTHENTICATED', 'ok', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    const p = limited.hub.app.get(PrismaService);
    const throttled = (await p.auditLogEntry.findMany({ where: { action: 'enrollment.refuse' } })).filter(
      (e) => (e.details as { reason?: string }).reason === 'rate-limited-address',
    );
    assert.equal(throttled.length, 1, 'a flood is one audit entry per address and minute, not one per call');
  } finally {
    c.close();
    await limited.hub.close();
    await limited.db.drop();
  }
  const global = await startTestHub('enroll_rate_global_spec', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ENROLL_PER_MINUTE: '2' });
  const g = new AgentServiceClient(`127.0.0.1:${global.hub.grpcPort}`, credentials.createInsecure());
  try {
    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await enrollAgent(g, { enrollSecret: ENROLL, hostname: `g-${i}` }).then(
          () => 'ok',
          (e: ServiceError) => `${status[e.code]} ${e.details}`,
        ),
      );
    assert.deepEqual(results.slice(0, 2), ['ok', 'ok']);
    assert.match(results[2], /^RESOURCE_EXHAUSTED .*on this hub/);
  } finally {
    g.close();
    await global.hub.close();
    await global.db.drop();
  }
});

test('the bootstrap secret has a use limit and expires (counted from when it was first stored; a restart does not extend it)', async () => {
  const tdb = await createMigratedTestDatabase('enroll_bootstrap_spec');
  const env = {
    DATABASE_URL: tdb.url,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    FLEETTUNE_QUEUE_PREFIX: `enroll-bootstrap-${process.pid}`,
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
    FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'silent',
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_ENROLL_SECRET_MAX_USES: '2',
    // One key for every restart: the secret's stored digest is peppered with it.
    FLEETTUNE_SECRETS_KEY: randomBytes(32).toString('base64'),
  };
  let h = await startHub(loadHubConfig(env));
  let c = new AgentServiceClient(`127.0.0.1:${h.grpcPort}`, credentials.createInsecure());
  try {
    await enrollAgent(c, { enrollSecret: ENROLL, hostname: 'boot-1' });
    await enrollAgent(c, { enrollSecret: ENROLL, hostname: 'boot-2' });
    await assert.rejects(enrollAgent(c, { enrollSecret: ENROLL, hostname: 'boot-3' }), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
    const p = h.app.get(PrismaService);
    const row = await p.enrollmentSecret.findFirstOrThrow({ where: { name: 'bootstrap' } });
    assert.equal(row.maxUses, 2);
    assert.ok(row.expiresAt && Math.abs(row.expiresAt.getTime() - row.createdAt.getTime() - 24 * 3600_000) < 1000, 'default expiry: 24 h after it was stored');
    // Stored 25 hours ago: after a restart with a larger use limit it is still expired.
    await p.enrollmentSecret.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 25 * 3600_000) } });
    c.close();
    await h.close();
    h = await startHub(loadHubConfig({ ...env, FLEETTUNE_ENROLL_SECRET_MAX_USES: '0' }));
    c = new AgentServiceClient(`127.0.0.1:${h.grpcPort}`, credentials.createInsecure());
    await assert.rejects(enrollAgent(c, { enrollSecret: ENROLL, hostname: 'boot-4' }), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
    const refusal = await h.app.get(PrismaService).auditLogEntry.findFirstOrThrow({ where: { action: 'enrollment.refuse' }, orderBy: { id: 'desc' } });
    assert.equal((refusal.details as { reason?: string }).reason, 'secret-expired');
    c.close();
    await h.close();
    // FLEETTUNE_ENROLL_SECRET_TTL_HOURS=0 means no expiry.
    h = await startHub(loadHubConfig({ ...env, FLEETTUNE_ENROLL_SECRET_MAX_USES: '0', FLEETTUNE_ENROLL_SECRET_TTL_HOURS: '0' }));
    c = new AgentServiceClient(`127.0.0.1:${h.grpcPort}`, credentials.createInsecure());
    assert.ok(await enrollAgent(c, { enrollSecret: ENROLL, hostname: 'boot-5' }));
  } finally {
    c.close();
    await h.close();
    await tdb.drop();
  }
});
