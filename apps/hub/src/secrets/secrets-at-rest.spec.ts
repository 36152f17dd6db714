import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { createMigratedTestDatabase } from '@fleettune/db-tools';
import { Client } from 'pg';
import { PrismaService } from '../database/prisma.service';
import { useAlertsHub } from '../testing/alerts-hub';
import { SecretsAtRestMigration } from './secrets-at-rest.migration';
import { SecretBox } from './secret-box';

/**
 * The review's reproduction: webhook secrets and Slack URLs were plaintext
 * columns, and POST /alert-channels put the whole Slack URL into
 * audit_log.details.body.url. Checked on the raw tables of a real hub.
 */
const SLACK_PATH = '/services/T0FLEET/B0TUNE/s3cr3tSlackToken0123';
const HOOK_SECRET = 'secrets-spec-webhook-secret-0123456789';

async function rawDump(): Promise<string> {
  const c = new Client({ connectionString: fx.db.url });
  await c.connect();
  try {
    const out: unknown[] = [];
    for (const t of ['alert_channels', 'policy_targets', 'audit_log']) out.push((await c.query(`SELECT * FROM ${t}`)).rows);
    return JSON.stringify(out);
  } finally {
    await c.end();
  }
}

const fx = useAlertsHub('secrets_at_rest', {});

test('Slack URLs and webhook secrets are ciphertext in the database and redacted in the audit log', async () => {
  const slackUrl = `${fx.receiver.url}${SLACK_PATH}`;
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'slack', type: 'slack', url: slackUrl });
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'hook', type: 'webhook', url: `${fx.receiver.url}/hook`, secret: HOOK_SECRET });
  const target = await fx.admin.ok<{ secret: string }>('POST', '/api/v1/policy-targets', { name: 'cm', kind: 'webhook', url: `${fx.receiver.url}/push` });
  assert.match(target.secret, /^whsec_/, 'a generated secret is still shown once');
  const dump = await rawDump();
  for (const plain of [SLACK_PATH, 's3cr3tSlackToken', HOOK_SECRET, target.secret]) assert.ok(!dump.includes(plain), `${plain} is stored somewhere in clear`);
  assert.match(dump, /enc:v1:/);
  assert.match(dump, /"url":"\[redacted\]"/, 'the audit entry keeps the field, not its value');
  // Admins still see what they saw before: the Slack origin only, webhook URLs in full.
  const channels = await fx.admin.ok<Array<{ type: string; url: string }>>('GET', '/api/v1/alert-channels');
  assert.deepEqual(
    channels.map((c) => c.url),
    [`${fx.receiver.url}/…`, `${fx.receiver.url}/hook`],
  );
});

test('rows an older hub stored in clear are sealed at start (idempotently) and open to the same values', async () => {
  const prisma = fx.hub.app.get(PrismaService);
  const legacy = await prisma.alertChannel.create({
    data: { name: 'legacy', type: 'webhook', url: `${fx.receiver.url}/legacy`, secret: HOOK_SECRET, createdBy: 'old hub' },
  });
  const legacyTarget = await prisma.policyTarget.create({
    data: { name: 'legacy', kind: 'webhook', url: `${fx.receiver.url}/legacy-push`, secret: HOOK_SECRET, createdBy: 'old hub' },
  });
  await fx.hub.app.get(SecretsAtRestMigration).onModuleInit();
  await fx.hub.app.get(SecretsAtRestMigration).onModuleInit(); // idempotent
  const box = fx.hub.app.get(SecretBox);
  const ch = (await prisma.alertChannel.findUnique({ where: { id: legacy.id } }))!;
  const tg = (await prisma.policyTarget.findUnique({ where: { id: legacyTarget.id } }))!;
  assert.ok(SecretBox.isSealed(ch.url) && SecretBox.isSealed(ch.secret!) && SecretBox.isSealed(tg.secret!));
  assert.equal(box.open(ch.secret!, 'alert_channels.secret'), HOOK_SECRET);
  assert.equal(box.open(ch.url, 'alert_channels.url'), `${fx.receiver.url}/legacy`);
  assert.equal(box.open(tg.secret!, 'policy_targets.secret'), HOOK_SECRET);
  assert.ok(!(await rawDump()).includes(HOOK_SECRET));
});

test('a hub without FLEETTUNE_SECRETS_KEY refuses to start, saying how to make one', async () => {
  const bare = await createMigratedTestDatabase('secrets_no_key');
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DATABASE_URL: bare.url,
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      FLEETTUNE_QUEUE_PREFIX: `nokey-${process.pid}`,
      LOG_LEVEL: 'silent',
    };
    const child = spawn(process.execPath, [path.resolve(__dirname, '..', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /FLEETTUNE_SECRETS_KEY is not set.*openssl rand -base64 32/);
  } finally {
    await bare.drop();
  }
});
