import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { useTestHub } from '../testing/hub-fixture';
import { TokenDigester, digestToken } from './token-digest';

const ADMIN = 'digest-spec-admin-token-0123456789';
const PEPPER = 'digest-spec-pepper-0123456789abcdef';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const fx = useTestHub('token_digest', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_TOKEN_PEPPER: PEPPER });

const get = (token: string, path = '/api/v1/me') => fetch(fx.base + path, { headers: { authorization: `Bearer ${token}` } });

test('the digest is HMAC-SHA256 under the pepper; without FLEETTUNE_TOKEN_PEPPER it is derived from the secrets key', () => {
  const d = new TokenDigester(Buffer.from(PEPPER));
  assert.equal(d.digest('ftk_x'), createHmac('sha256', PEPPER).update('ftk_x').digest('hex'));
  assert.notEqual(d.digest('ftk_x'), sha256('ftk_x'));
  const key = randomBytes(32).toString('base64');
  const derived = TokenDigester.fromConfig({ FLEETTUNE_SECRETS_KEY: key });
  assert.equal(derived.digest('t'), TokenDigester.fromConfig({ FLEETTUNE_SECRETS_KEY: key }).digest('t'), 'stable across starts');
  assert.notEqual(derived.digest('t'), TokenDigester.fromConfig({ FLEETTUNE_SECRETS_KEY: randomBytes(32).toString('base64') }).digest('t'));
  assert.throws(() => TokenDigester.fromConfig({}), /FLEETTUNE_TOKEN_PEPPER or FLEETTUNE_SECRETS_KEY/);
});

test('stored digests are peppered: the bootstrap token and new API tokens are not the SHA-256 of the token', async () => {
  const rows = await fx.prisma.apiToken.findMany();
  const boot = rows.find((r) => r.name === 'bootstrap-admin')!;
  assert.equal(boot.tokenHash, new TokenDigester(Buffer.from(PEPPER)).digest(ADMIN));
  assert.notEqual(boot.tokenHash, sha256(ADMIN), 'a leaked table does not allow an offline guess of the chosen admin token');
  const created = (await (
    await fetch(`${fx.base}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci', role: 'viewer' }),
    })
  ).json()) as { id: string; token: string };
  const row = (await fx.prisma.apiToken.findUnique({ where: { id: created.id } }))!;
  assert.equal(row.tokenHash, createHmac('sha256', PEPPER).update(created.token).digest('hex'));
  assert.equal((await get(created.token)).status, 200);
  const secret = (await (
    await fetch(`${fx.base}/api/v1/enrollment-secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'rack-1' }),
    })
  ).json()) as { id: string; secret: string };
  const srow = (await fx.prisma.enrollmentSecret.findUnique({ where: { id: secret.id } }))!;
  assert.equal(srow.secretHash, createHmac('sha256', PEPPER).update(secret.secret).digest('hex'));
});

test('a token an older hub stored as plain SHA-256 still works, and is re-hashed with the pepper on first use', async () => {
  const old = 'ftk_legacy-token-from-an-older-hub-0123456789';
  const row = await fx.prisma.apiToken.create({ data: { name: 'legacy', role: 'viewer', tokenHash: digestToken(old) } });
  assert.equal(row.tokenHash, sha256(old));
  assert.equal((await get(old)).status, 200);
  const after = (await fx.prisma.apiToken.findUnique({ where: { id: row.id } }))!;
  assert.equal(after.tokenHash, createHmac('sha256', PEPPER).update(old).digest('hex'));
  assert.equal((await get(old)).status, 200, 'and keeps working under the new digest');
  assert.equal((await get('ftk_not-a-token-0123456789')).status, 401);
});
