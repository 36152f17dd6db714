import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { test } from 'node:test';
import { digestToken } from '../auth/token-digest';
import { AgentAuthenticator } from '../ingest/agent-authenticator.service';
import { useTestHub } from '../testing/hub-fixture';
import { AuthFailureAudit, PER_CLIENT_PER_MINUTE } from './auth-failure-audit';

/** The review: REST 401/403 answers and gRPC authentication failures were not audited. */
const ADMIN = 'auth-audit-admin-token-0123456789';
const VIEWER = 'auth-audit-viewer-token-0123456789';

const fx = useTestHub('auth_failure_audit', { FLEETTUNE_ADMIN_TOKEN: ADMIN }, async () => {
  await fx.prisma.apiToken.create({ data: { name: 'viewer', role: 'viewer', tokenHash: digestToken(VIEWER) } });
});

const failures = (action: string) => fx.prisma.auditLogEntry.findMany({ where: { action }, orderBy: { at: 'asc' } });

test('REST 401s are audited per client up to the limit; guessing cannot flood the log, and the rest is counted', async () => {
  let refused = 0;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${fx.base}/api/v1/hosts`, { headers: { authorization: `Bearer guess-${i}-0123456789` } });
    if (res.status === 401) refused++;
    await res.arrayBuffer();
  }
  assert.equal(refused, 20);
  const rows = await failures('auth.failure.rest');
  assert.equal(rows.length, PER_CLIENT_PER_MINUTE, 'five written, fifteen only counted');
  const d = rows[0].details as { outcome: string; reason: string; client: string; route: string };
  assert.deepEqual([d.outcome, d.reason, d.route], ['401', 'invalid or revoked token', 'GET /api/v1/hosts']);
  assert.match(d.client, /127\.0\.0\.1/);
  assert.ok(!JSON.stringify(rows.map((r) => r.details)).includes('guess-'), 'the guessed token itself is never logged');

  // The next window's first entry for this client says how many were left out.
  fx.hub.app
    .get(AuthFailureAudit)
    .record({ channel: 'rest', outcome: '401', reason: 'bearer token required', client: d.client, route: 'GET /api/v1/hosts' }, Date.now() + 61_000);
  await new Promise((r) => setTimeout(r, 200));
  const next = (await failures('auth.failure.rest')).at(-1)!;
  assert.equal((next.details as { suppressedBefore?: number }).suppressedBefore, 15);
});

test('a 403 is audited with the token that was refused; gRPC authentication failures are audited', async () => {
  const res = await fetch(`${fx.base}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'application/json' },
    body: '{"name":"x","role":"admin"}',
  });
  assert.equal(res.status, 403);
  await new Promise((r) => setTimeout(r, 200));
  const forbidden = (await failures('auth.failure.rest')).filter((r) => (r.details as { outcome: string }).outcome === '403');
  assert.equal(forbidden.length, 1);
  assert.equal(forbidden[0].actor, 'token:viewer');
  assert.equal(forbidden[0].actorRole, 'viewer');

  const auth = fx.hub.app.get(AgentAuthenticator);
  const md = new Metadata();
  md.set('authorization', 'Bearer ftagent_not-a-real-token-0123456789');
  await assert.rejects(auth.authenticate(md), /unknown or revoked agent/);
  await assert.rejects(auth.authenticate(new Metadata()), /agent token required/);
  await new Promise((r) => setTimeout(r, 200));
  const grpc = await failures('auth.failure.grpc');
  assert.deepEqual(
    grpc.map((r) => (r.details as { reason: string }).reason),
    ['unknown agent token', 'agent token required'],
  );
});
