import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubConfigError, loadHubConfig } from '../config/hub-config';
import { useTestHub } from '../testing/hub-fixture';

const ADMIN = 'rate-limit-spec-admin-token-0123456789';
const PER_TOKEN = 6;
const ANONYMOUS = 3;

const fx = useTestHub('rest_rate_limit_spec', {
  FLEETTUNE_ADMIN_TOKEN: ADMIN,
  FLEETTUNE_API_REQUESTS_PER_SECOND: String(PER_TOKEN),
  FLEETTUNE_API_ANONYMOUS_REQUESTS_PER_SECOND: String(ANONYMOUS),
});

interface Answer {
  status: number;
  retryAfter: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the asserts
  body: any;
}

async function get(path: string, token?: string): Promise<Answer> {
  const res = await fetch(`${fx.base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : undefined };
}

/** Waits until a fresh one-second window has surely begun for every tracker. */
const nextWindow = () => sleep(2100);

/**
 * Runs `burst` at the start of a fresh window. Counting against a one-second
 * window only means something if the burst fits in it, so on a machine too
 * busy for that the attempt is repeated (never judged).
 */
async function inOneWindow<T>(burst: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await nextWindow();
    const started = Date.now();
    const result = await burst();
    if (Date.now() - started < 800) return result;
  }
  throw new Error('the machine is too busy to send a burst within one second');
}

function assertTooMany(a: Answer): void {
  assert.equal(a.status, 429);
  assert.match(a.retryAfter ?? '', /^[1-9]\d*$/, 'Retry-After is a whole number of seconds');
  assert.ok(Number(a.retryAfter) <= 2);
  assert.deepEqual(Object.keys(a.body).sort(), ['error', 'message', 'statusCode']);
  assert.equal(a.body.statusCode, 429);
  assert.equal(a.body.error, 'Too Many Requests');
}

test('one token gets its limit per second across all routes together, then 429 + Retry-After; other tokens are not affected', async () => {
  const viewer = await fetch(`${fx.base}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rate viewer', role: 'viewer' }),
  });
  const viewerToken = ((await viewer.json()) as { token: string }).token;
  // Spread over different routes: the bucket is the token's, not the route's.
  const routes = ['/api/v1/me', '/api/v1/hosts', '/api/v1/tokens', '/api/v1/audit-log', '/api/v1/me', '/api/v1/hosts'];
  const burst = await inOneWindow(() => Promise.all([...routes, '/api/v1/me', '/api/v1/tokens', '/api/v1/me'].map((r) => get(r, ADMIN))));
  const ok = burst.filter((a) => a.status === 200);
  const refused = burst.filter((a) => a.status !== 200);
  assert.equal(ok.length, PER_TOKEN, `statuses ${burst.map((a) => a.status).join(',')}`);
  assert.equal(refused.length, routes.length + 3 - PER_TOKEN);
  refused.forEach(assertTooMany);
  // Another token has its own bucket.
  assert.equal((await get('/api/v1/me', viewerToken)).status, 200);
  // After Retry-After the admin token is served again.
  await sleep(Number(refused[0].retryAfter) * 1000 + 100);
  assert.equal((await get('/api/v1/me', ADMIN)).status, 200);
});

test('requests without a valid token are counted per client IP with the anonymous limit; guessed tokens share that bucket', async () => {
  const answers = await inOneWindow(async () => {
    const a: Answer[] = [];
    for (let i = 0; i < ANONYMOUS; i++) a.push(await get(i % 2 ? '/healthz' : '/api/v1/me', i % 2 ? undefined : `guess-${i}-aaaaaaaaaaaaaaaa`));
    // A fresh guessed token does not get a fresh bucket.
    a.push(await get('/api/v1/me', 'another-guess-bbbbbbbbbbbbbbbbbbbb'));
    a.push(await get('/healthz'));
    return a;
  });
  assert.deepEqual(
    answers.slice(0, ANONYMOUS).map((a) => a.status),
    [401, 200, 401].slice(0, ANONYMOUS),
  );
  answers.slice(ANONYMOUS).forEach(assertTooMany);
  // The valid token is keyed by its id, not by the (shared) IP, so it still works.
  assert.equal((await get('/api/v1/me', ADMIN)).status, 200);
});

test('limits are validated at start', () => {
  assert.throws(() => loadHubConfig({ FLEETTUNE_API_REQUESTS_PER_SECOND: '0' }), HubConfigError);
  assert.throws(() => loadHubConfig({ FLEETTUNE_API_ANONYMOUS_REQUESTS_PER_SECOND: 'many' }), HubConfigError);
  assert.equal(loadHubConfig({}).FLEETTUNE_API_REQUESTS_PER_SECOND, 100);
});
