import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecretBox, SecretBoxError } from './secret-box';

const KEY = randomBytes(32).toString('base64');
const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX';

test('seal/open round-trips; every seal is fresh; the plaintext is nowhere in the stored value', () => {
  const box = new SecretBox(KEY);
  const a = box.seal(SLACK, 'alert_channels.url');
  const b = box.seal(SLACK, 'alert_channels.url');
  assert.match(a, /^enc:v1:[A-Za-z0-9_-]+$/);
  assert.notEqual(a, b, 'a fresh IV per value');
  assert.ok(!a.includes('hooks.slack.com') && !Buffer.from(a.slice(7), 'base64url').toString('latin1').includes('hooks.slack'));
  assert.equal(box.open(a, 'alert_channels.url'), SLACK);
});

test('a wrong key, another column, or a flipped byte cannot be opened; legacy plaintext passes through', () => {
  const box = new SecretBox(KEY);
  const sealed = box.seal('whsec_abc', 'policy_targets.secret');
  assert.throws(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, 'policy_targets.secret'), SecretBoxError);
  assert.throws(() => box.open(sealed, 'alert_channels.secret'), SecretBoxError, 'bound to its column');
  const raw = Buffer.from(sealed.slice(7), 'base64url');
  raw[raw.length - 1] ^= 1;
  assert.throws(() => box.open('enc:v1:' + raw.toString('base64url'), 'policy_targets.secret'), SecretBoxError);
  assert.throws(() => box.open('enc:v1:AAAA', 'policy_targets.secret'), /truncated/);
  assert.equal(box.open('plain-legacy-secret', 'policy_targets.secret'), 'plain-legacy-secret');
});

test('the box refuses a missing or short key', () => {
  assert.throws(() => new SecretBox(undefined), /FLEETTUNE_SECRETS_KEY is not set/);
  assert.throws(() => new SecretBox(randomBytes(16).toString('base64')), /32 bytes/);
});
