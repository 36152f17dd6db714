import assert from 'node:assert/strict';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadHubConfig } from '../../config/hub-config';
import { CONNECTOR_MAX_RESPONSE_BYTES, ConnectorHttp, retryAfterMs } from './connector-http';
import { ConnectorError } from './policy-console-connector';

let url = '';
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
const server = createServer((req, res) => handler(req, res));

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const client = (env: Record<string, string> = {}, resolver?: (h: string) => Promise<Array<{ address: string; family: 4 | 6 }>>) =>
  new ConnectorHttp(loadHubConfig({ FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '127.0.0.1', FLEETTUNE_POLICY_PUSH_TIMEOUT_MS: '2000', ...env }), resolver);

const failure = async (p: Promise<unknown>): Promise<ConnectorError> => {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConnectorError, String(err));
    return err;
  }
  assert.fail('expected a ConnectorError');
};

test('Retry-After: seconds, an HTTP date, or one second when absent or unreadable', () => {
  assert.equal(retryAfterMs('2'), 2000);
  const at = retryAfterMs(new Date(Date.now() + 5000).toUTCString());
  assert.ok(at > 3000 && at <= 5000, String(at));
  assert.equal(retryAfterMs(undefined), 1000);
  assert.equal(retryAfterMs('soon'), 1000);
});

test('loopback needs the allow-list; http only to loopback; credentials in URLs refused', async () => {
  assert.match((await client({ FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '' }).urlProblem(`${url}/v3`)) ?? '', /loopback/);
  assert.equal(await client().urlProblem(`${url}/v3`), undefined);
  const publicName = client({}, async () => [{ address: '93.184.216.34', family: 4 }]);
  assert.match((await publicName.urlProblem('http://console.example/v3')) ?? '', /https:\/\/ URLs only/);
  assert.equal(await publicName.urlProblem('https://console.example/v3'), undefined);
  assert.match((await client().urlProblem('https://user:pw@console.example/v3')) ?? '', /credentials/);
  const refused = await failure(client({ FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '' }).call({ method: 'GET', url }));
  assert.equal(refused.retryable, false);
});

test('a 4xx fails at once with the vendor error text; a long Retry-After is left to the job', async () => {
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: ['path must be absolute'] }));
  };
  const bad = await failure(client().call({ method: 'POST', url, body: '{}' }));
  assert.deepEqual([bad.retryable, bad.statusCode, calls], [false, 422, 1]);
  assert.match(bad.message, /path must be absolute/);

  calls = 0;
  handler = (_req, res) => {
    calls++;
    res.writeHead(429, { 'retry-after': '3600' }).end();
  };
  const started = Date.now();
  const limited = await failure(client().call({ method: 'GET', url }));
  assert.deepEqual([limited.retryable, limited.statusCode, calls], [true, 429, 1]);
  assert.ok(Date.now() - started < 1000, 'no worker waits an hour');
});

test('a 401 refreshes the token once; a second 401 fails', async () => {
  const seen: string[] = [];
  handler = (req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(req.headers.authorization === 'Bearer fresh' ? 200 : 401).end('{}');
  };
  let refreshes = 0;
  const auth = { token: async () => 'stale', refresh: async () => (refreshes++, 'fresh') };
  assert.equal((await client().call({ method: 'GET', url }, auth)).status, 200);
  assert.deepEqual([seen, refreshes], [['Bearer stale', 'Bearer fresh'], 1]);
  const never = { token: async () => 'stale', refresh: async () => 'still-stale' };
  const e = await failure(client().call({ method: 'GET', url }, never));
  assert.deepEqual([e.statusCode, e.retryable], [401, false]);
});

test('5xx is retried a bounded number of times; an oversized answer is cut off', async () => {
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    res.writeHead(502).end();
  };
  const e = await failure(client().call({ method: 'GET', url }));
  assert.deepEqual([e.statusCode, e.retryable, calls], [502, true, 4]);

  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(Buffer.alloc(CONNECTOR_MAX_RESPONSE_BYTES + 1024, 0x20));
  };
  const big = await failure(client().request({ method: 'GET', url }));
  assert.match(big.message, /larger than/);
});
