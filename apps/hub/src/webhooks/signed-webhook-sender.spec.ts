import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadHubConfig } from '../config/hub-config';
import { OutboundAddress } from './outbound-address';
import { SignedWebhookSender } from './signed-webhook-sender';
import { verifyWebhook } from './webhook-signature';

/** A loopback receiver whose behaviour each test sets. */
let server: Server;
let port: number;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.end();
const requests: Array<{ url: string; host: string | undefined; headers: IncomingMessage['headers']; body: string }> = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function sender(env: Record<string, string> = {}, resolver?: (h: string) => Promise<OutboundAddress[]>) {
  return new SignedWebhookSender(loadHubConfig({ FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '127.0.0.1', ...env }), resolver);
}
const req = (url: string, extra: Partial<Parameters<SignedWebhookSender['send']>[0]> = {}) => ({
  url,
  body: '{"a":1}',
  deliveryId: 'd-1',
  secret: 'a-secret-of-twenty-chars',
  timeoutMs: 2000,
  ...extra,
});

test('without an allow-list entry, loopback is refused before any connection (and for good)', async () => {
  requests.length = 0;
  const r = await sender({ FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '' }).send(req(`http://127.0.0.1:${port}/hook`));
  assert.equal(r.ok, false);
  assert.equal(r.permanent, true);
  assert.match(r.error!, /address not allowed: 127\.0\.0\.1 is loopback/);
  assert.equal(requests.length, 0, 'nothing reached the receiver');
});

test('a signed request reaches an allow-listed receiver: delivery id, timestamp, signature over timestamp.body', async () => {
  requests.length = 0;
  handler = (_q, s) => s.writeHead(204).end();
  const r = await sender().send(req(`http://127.0.0.1:${port}/hook?x=1`));
  assert.deepEqual([r.ok, r.statusCode], [true, 204]);
  const got = requests[0];
  assert.equal(got.url, '/hook?x=1');
  assert.equal(got.headers['x-fleettune-delivery'], 'd-1');
  assert.deepEqual(
    verifyWebhook('a-secret-of-twenty-chars', {
      body: got.body,
      timestamp: got.headers['x-fleettune-timestamp'] as string,
      signature: got.headers['x-fleettune-signature'] as string,
    }),
    { ok: true },
  );
  const unsigned = await sender().send(req(`http://127.0.0.1:${port}/slack`, { secret: null }));
  assert.equal(unsigned.ok, true);
  assert.equal(requests[1].headers['x-fleettune-signature'], undefined);
});

test('DNS rebinding: the name is resolved once and the checked address is the one connected to', async () => {
  requests.length = 0;
  handler = (_q, s) => s.writeHead(200).end('ok');
  const answers = ['127.0.0.1', '169.254.169.254'];
  let lookups = 0;
  // First answer: the allowed receiver; any later answer would be the metadata service.
  const resolver = async (): Promise<OutboundAddress[]> => [{ address: answers[Math.min(lookups++, 1)], family: 4 }];
  const r = await sender({}, resolver).send(req(`http://rebind.test:${port}/hook`));
  assert.equal(r.ok, true, r.error);
  assert.equal(lookups, 1);
  assert.equal(requests[0].host, `rebind.test:${port}`, 'the Host header keeps the name');
  const again = await sender({}, resolver).send(req(`http://rebind.test:${port}/hook`));
  assert.equal(again.permanent, true, 'the second answer (metadata) is refused');
  assert.equal(requests.length, 1);
});

test('an answer is read up to the cap, then the connection is dropped; redirects are not followed; slow receivers time out', async () => {
  let written = 0;
  handler = (_q, s) => {
    s.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = () => {
      while (!s.destroyed && written < 200 * 1024 * 1024 && s.write(chunk)) written += chunk.length;
      if (!s.destroyed && written < 200 * 1024 * 1024) s.once('drain', pump);
    };
    pump();
  };
  const started = Date.now();
  const r = await sender({ FLEETTUNE_OUTBOUND_MAX_RESPONSE_BYTES: String(64 * 1024) }).send(req(`http://127.0.0.1:${port}/big`, { timeoutMs: 10_000 }));
  assert.deepEqual([r.ok, r.statusCode], [true, 200]);
  assert.ok(Date.now() - started < 5000, 'did not read the endless body');
  await new Promise((res) => setTimeout(res, 200));
  assert.ok(written < 32 * 1024 * 1024, `receiver wrote ${written} bytes before the hub hung up`);

  requests.length = 0;
  handler = (_q, s) => s.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  const redirected = await sender().send(req(`http://127.0.0.1:${port}/moved`));
  assert.deepEqual([redirected.ok, redirected.statusCode, requests.length], [false, 302, 1]);

  handler = () => undefined; // never answers
  const slow = await sender().send(req(`http://127.0.0.1:${port}/slow`, { timeoutMs: 300 }));
  assert.deepEqual([slow.ok, slow.error, slow.permanent], [false, 'timed out', false]);
  assert.ok(slow.durationMs < 2000);
});
