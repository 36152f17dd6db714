import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { useTestHub } from '../testing/hub-fixture';
import { CredentialRepository } from './credential.repository';
import { buildCli } from './token-cli';
import { loadHubCliConfig } from '../config/hub-config';

const ADMIN = 'tokens-spec-admin-token-0123456789';

const fx = useTestHub('tokens_spec', {
  FLEETTUNE_ADMIN_TOKEN: ADMIN,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the asserts
async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${fx.base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

test('an admin creates a token shown once, stored hashed; it signs in with its role; revoked, it no longer works', async () => {
  const created = await call('POST', '/api/v1/tokens', ADMIN, { name: 'ops viewer', role: 'viewer' });
  assert.equal(created.status, 201);
  assert.match(created.body.token, /^ftk_[A-Za-z0-9_-]{40,}$/);
  assert.deepEqual((await call('GET', '/api/v1/me', created.body.token)).body, { name: 'ops viewer', role: 'viewer', tokenId: created.body.id });
  const list = await call('GET', '/api/v1/tokens?limit=1', ADMIN);
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.total, 2);
  assert.ok(list.body.nextCursor);
  assert.ok(!JSON.stringify(list.body).includes(created.body.token), 'the list never shows a token');
  const page2 = await call('GET', `/api/v1/tokens?limit=1&cursor=${list.body.nextCursor}`, ADMIN);
  assert.equal(page2.body.items.length, 1);
  assert.notEqual(page2.body.items[0].id, list.body.items[0].id);
  assert.equal(page2.body.nextCursor, null);
  const stored = await fx.hub.app.get(PrismaService).apiToken.findUnique({ where: { id: created.body.id } });
  assert.ok(stored && !stored.tokenHash.includes(created.body.token) && stored.tokenHash.length === 64);
  assert.equal((await call('DELETE', `/api/v1/tokens/${created.body.id}`, ADMIN)).status, 200);
  assert.equal((await call('GET', '/api/v1/me', created.body.token)).status, 401);
});

test('roles: a viewer and an approver may not manage tokens or read the audit log', async () => {
  for (const role of ['viewer', 'approver']) {
    const t = (await call('POST', '/api/v1/tokens', ADMIN, { name: `r-${role}`, role })).body.token;
    const denied = await call('POST', '/api/v1/tokens', t, { name: 'x', role: 'admin' });
    assert.equal(denied.status, 403);
    assert.deepEqual(Object.keys(denied.body).sort(), ['error', 'message', 'statusCode']);
    assert.equal((await call('GET', '/api/v1/audit-log', t)).status, 403);
    assert.equal((await call('GET', '/api/v1/enrollment-secrets', t)).status, 403);
  }
});

test('invalid input gets one consistent error body with issues', async () => {
  const bad = await call('POST', '/api/v1/tokens', ADMIN, { name: 'x\u001b[31m', role: 'root' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.statusCode, 400);
  assert.equal(bad.body.error, 'Bad Request');
  assert.deepEqual(bad.body.issues.map((i: { path: string }) => i.path).sort(), ['name', 'role']);
  const cursor = await call('GET', '/api/v1/audit-log?cursor=garbage', ADMIN);
  assert.equal(cursor.status, 400);
  assert.equal(cursor.body.issues[0].path, 'cursor');
  const notFound = await call('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', ADMIN);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.body.error, 'Not Found');
  assert.equal((await call('GET', '/api/v1/me', null)).body.statusCode, 401);
});

test('the last active admin token cannot be revoked', async () => {
  const me = (await call('GET', '/api/v1/me', ADMIN)).body;
  const res = await call('DELETE', `/api/v1/tokens/${me.tokenId}`, ADMIN);
  assert.equal(res.status, 409);
});

test('enrollment secrets: created with expiry and use limit, listed without the secret, revoked', async () => {
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const s = await call('POST', '/api/v1/enrollment-secrets', ADMIN, { name: 'rack 7', expiresAt, maxUses: 25 });
  assert.equal(s.status, 201);
  assert.match(s.body.secret, /^fte_/);
  assert.equal(s.body.maxUses, 25);
  assert.equal(s.body.active, true);
  const list = await call('GET', '/api/v1/enrollment-secrets', ADMIN);
  assert.ok(list.body.items.some((i: { id: string }) => i.id === s.body.id));
  assert.ok(!JSON.stringify(list.body).includes(s.body.secret));
  const revoked = await call('DELETE', `/api/v1/enrollment-secrets/${s.body.id}`, ADMIN);
  assert.equal(revoked.body.active, false);
  assert.equal((await call('POST', '/api/v1/enrollment-secrets', ADMIN, { name: 'old', expiresAt: '2000-01-01T00:00:00Z' })).status, 400);
});

test('every write is in the audit log (who, what, when), secrets redacted; the CLI writes are too', async () => {
  let out = '';
  const cli = buildCli({ out: (s) => (out += s), err: (s) => (out += s) }, loadHubCliConfig({ DATABASE_URL: fx.db.url }));
  await cli.parseAsync(['node', 'cli', 'token', 'create', '--name', 'from cli', '--role', 'approver', '--json']);
  const created = JSON.parse(out) as { token: string; role: string };
  assert.equal(created.role, 'approver');
  assert.equal((await call('GET', '/api/v1/me', created.token)).body.role, 'approver');
  const log = await call('GET', '/api/v1/audit-log?limit=500', ADMIN);
  assert.equal(log.status, 200);
  const actions = log.body.items.map((e: { action: string }) => e.action);
  for (const a of ['token.create', 'token.revoke', 'enrollment-secret.create', 'enrollment-secret.revoke']) assert.ok(actions.includes(a), `${a} logged`);
  const cliEntry = log.body.items.find((e: { actor: string }) => e.actor === 'cli');
  assert.equal(cliEntry.action, 'token.create');
  const apiEntry = log.body.items.find((e: { action: string; actor: string }) => e.action === 'token.create' && e.actor === 'token:bootstrap-admin');
  assert.equal(apiEntry.actorRole, 'admin');
  assert.ok(!JSON.stringify(log.body).includes(created.token));
  const filtered = await call('GET', '/api/v1/audit-log?action=enrollment-secret.', ADMIN);
  assert.ok(filtered.body.items.length >= 2 && filtered.body.items.every((e: { action: string }) => e.action.startsWith('enrollment-secret.')));
});

test('hub replicas starting at once with the same bootstrap admin token and enrollment secret all start, one row each (issue 17)', async () => {
  const prisma = fx.hub.app.get(PrismaService);
  const repo = new CredentialRepository(prisma);
  const [tokenHash, tokenLegacy, secretHash, secretLegacy] = ['1', '2', '3', '4'].map((c) => c.repeat(64));
  // Each call is one replica's bootstrap; the pool runs them on separate connections, as separate processes would.
  await Promise.all(Array.from({ length: 8 }, () => repo.ensureAdminToken(tokenHash, tokenLegacy, 'replica-admin')));
  const secrets = await Promise.all(
    Array.from({ length: 8 }, () => repo.ensureEnrollmentSecret(secretHash, secretLegacy, 'replica-bootstrap', () => ({ expiresAt: null, maxUses: 7 }))),
  );
  assert.equal(await prisma.apiToken.count({ where: { tokenHash } }), 1);
  assert.equal(await prisma.enrollmentSecret.count({ where: { secretHash } }), 1);
  assert.equal(new Set(secrets.map((s) => s.id)).size, 1, 'every replica got the same secret row');
  assert.ok(secrets.every((s) => s.maxUses === 7));
});
