import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook, verifyWebhook } from './webhook-signature';

const SECRET = 'receiver-side-secret-0123456789';
const BODY = '{"event":"exclusions.push","pushId":"p-1"}';

test('the signature is HMAC-SHA256 over "<timestamp>.<body>" (what a receiver recomputes with any HMAC library)', () => {
  const ts = 1_765_000_000;
  const expected = createHmac('sha256', SECRET).update(`${ts}.${BODY}`).digest('hex');
  assert.equal(signWebhook(SECRET, ts, BODY), `sha256=${expected}`);
  // A fixed answer, so a change of the scheme (what receivers implement) fails here, not only at receivers.
  assert.equal(signWebhook('key', 0, 'The quick brown fox jumps over the lazy dog'), 'sha256=8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763');
});

test('receivers refuse a replay outside the freshness window, a changed body or timestamp, and missing headers', () => {
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const signature = signWebhook(SECRET, ts, BODY);
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: String(ts), signature }, { now }), { ok: true });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: String(ts), signature }, { now: now + 301_000 }), { ok: false, reason: 'stale' });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: String(ts), signature }, { now: now - 301_000 }), { ok: false, reason: 'stale' });
  // Moving the timestamp forward to look fresh breaks the MAC.
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: String(ts + 3600), signature }, { now: now + 3_600_000 }), {
    ok: false,
    reason: 'bad-signature',
  });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY + ' ', timestamp: String(ts), signature }, { now }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: undefined, signature }, { now }), { ok: false, reason: 'missing' });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: '1e9', signature }, { now }), { ok: false, reason: 'missing' });
  assert.deepEqual(verifyWebhook(SECRET, { body: BODY, timestamp: String(ts), signature: 'sha256=00' }, { now }), { ok: false, reason: 'bad-signature' });
});
