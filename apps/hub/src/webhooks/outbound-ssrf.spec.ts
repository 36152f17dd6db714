import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import { ExclusionRecomputeService } from '../exclusions/exclusion-recompute.service';
import { addHost, ingestNoisyHost } from '../exclusions/fleet-fixture';
import type { RunningHub } from '../hub-app';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { startTestHub } from '../testing/test-hub';
import { waitFor } from '../alerts/test-fleet.fixture';

/**
 * The review's SSRF reproduction on a hub WITHOUT the tests' loopback
 * allow-list: targets on loopback, the metadata address, RFC 1918 and ::1
 * were accepted (201) and a push reached a listener on 127.0.0.1. Only
 * loopback ever sees traffic here: internal literals are refused before any
 * connection, and the one listener is on 127.0.0.1.
 */
const ADMIN = 'ssrf-spec-admin-token-0123456789';
let db: TestDatabase;
let hub: RunningHub;
let base: string;
let listener: Server;
let hits = 0;
let listenerUrl: string;

before(async () => {
  listener = createServer((_req, res) => {
    hits++;
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/hook`;
  ({ db, hub } = await startTestHub('outbound_ssrf', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '' }));
  base = `http://127.0.0.1:${hub.httpPort}`;
});
after(async () => {
  await hub?.close();
  await db?.drop();
  await new Promise<void>((r) => listener.close(() => r()));
});

async function post(path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { message?: string; id?: string } };
}

const INTERNAL = [
  () => listenerUrl,
  () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  () => 'http://10.0.0.1/hook',
  () => 'http://192.168.1.10:8080/',
  () => 'http://[::1]:5432/',
  () => 'http://[::ffff:127.0.0.1]:6379/',
  () => 'http://0.0.0.0:6379/',
];

test('webhook targets and alert channels on loopback, metadata, private or ::1 addresses are refused with 400', async () => {
  for (const url of INTERNAL.map((f) => f())) {
    const t = await post('/api/v1/policy-targets', { name: 'x', kind: 'webhook', url, secret: 'a-secret-of-twenty-chars' });
    assert.equal(t.status, 400, `${url}: ${JSON.stringify(t.body)}`);
    assert.match(JSON.stringify(t.body), /address not allowed/);
    for (const type of ['webhook', 'slack']) {
      const c = await post('/api/v1/alert-channels', { name: 'x', type, url });
      assert.equal(c.status, 400, `${type} ${url}: ${JSON.stringify(c.body)}`);
    }
  }
  assert.equal(hits, 0);
});

test('a stored target that points inside (created before the guard) is refused at send time, once, with no traffic', async () => {
  const prisma = hub.app.get(PrismaService);
  const ingest = hub.app.get(BatchIngestService);
  await ingestNoisyHost(ingest, await addHost(prisma, 'web-01'), 'alice');
  await ingestNoisyHost(ingest, await addHost(prisma, 'web-02'), 'bob');
  await hub.app.get(ExclusionRecomputeService).recompute();
  const target = await prisma.policyTarget.create({
    data: { name: 'legacy', kind: 'webhook', url: listenerUrl, secret: 'a-secret-of-twenty-chars', createdBy: 'test' },
  });
  const set = (await (await fetch(`${base}/api/v1/exclusion-sets/latest`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { id: string };
  const push = await post(`/api/v1/exclusion-sets/${set.id}/push`, { targetId: target.id });
  assert.equal(push.status, 202, JSON.stringify(push.body));
  let row: { status: string; attempts: number; lastError: string | null } | null = null;
  await waitFor('the push to fail', async () => {
    row = await prisma.policyPush.findFirst({ where: { targetId: target.id } });
    return row?.status === 'failed';
  });
  assert.equal(row!.attempts, 1, 'a refused address is not retried');
  assert.match(row!.lastError!, /address not allowed: 127\.0\.0\.1 is loopback/);
  assert.equal(hits, 0, 'the listener on 127.0.0.1 saw nothing');
});
