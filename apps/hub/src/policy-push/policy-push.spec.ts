import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { AUDITD_NOT_AUDIT_EVIDENCE_REASON, EXPORT_FORMATS, MDE_CHILD_SCOPE_REASON } from '@fleettune/exporters';
import { CONSOLE_HUB_APPROVER, ConsoleHub, startConsoleHub } from '../testing/console-target-fixture';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../webhooks/webhook-signature';

const SECRET = 'push-spec-webhook-secret-0123456789';
let h: ConsoleHub;

/** A real webhook receiver on loopback: answers 503 to the first `failFirst` requests. */
interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  answered: number;
}
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failFirst = 0;

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = received.length < failFirst ? 503 : 204;
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/fleettune`;

  h = await startConsoleHub('policy_push_spec', 'linux', { FLEETTUNE_POLICY_PUSH_BACKOFF_MS: '150', FLEETTUNE_POLICY_PUSH_ATTEMPTS: '6' });
});

after(async () => {
  await h?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

type Item = { id: string; type: string; value: string; decision: { status: string } };

async function latest(): Promise<{ id: string; version: number; items: Item[] }> {
  return (await h.api('GET', '/api/v1/exclusion-sets/latest')).body;
}

test('webhook push: only approved items, signed body, retried with backoff while the receiver fails, delivered once', async () => {
  const set = await latest();
  // The process item (the fixture's audit data also makes the agent an audit-exe item).
  const agent = set.items.find((i) => i.value === '/opt/syncagent/bin/syncagent' && i.type === 'process')!;
  const chunks = set.items.find((i) => i.value === '/var/tmp/buildcache/*/chunk-*.tmp')!;
  assert.ok(agent && chunks);
  await h.api('POST', `/api/v1/exclusion-items/${agent.id}/decision`, { decision: 'approved', comment: 'safe vendor agent' }, 'approver');
  await h.api('POST', `/api/v1/exclusion-items/${chunks.id}/decision`, { decision: 'rejected', comment: 'world-writable' }, 'approver');

  // Target registry is admin-only.
  assert.equal((await h.api('POST', '/api/v1/policy-targets', { name: 'x', url: receiverUrl }, 'approver')).status, 403);
  assert.equal((await h.api('POST', '/api/v1/policy-targets', { name: 'x', kind: 'webhook', url: 'file:///etc/passwd' })).status, 400);
  const created = await h.api('POST', '/api/v1/policy-targets', { name: 'cm-webhook', kind: 'webhook', url: receiverUrl, secret: SECRET });
  assert.equal(created.status, 201);
  assert.equal(created.body.secret, SECRET, 'the secret is shown once, at creation');
  const target = created.body as { id: string };
  assert.equal((await h.api('GET', `/api/v1/policy-targets/${target.id}`)).body.secret, undefined);

  failFirst = 2;
  received.length = 0;
  assert.equal((await h.api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId: target.id }, 'viewer')).status, 403);
  const push = await h.api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId: target.id }, 'approver');
  assert.equal(push.status, 202, push.text);
  assert.equal(push.body.items, 1);

  const deadline = Date.now() + 20_000;
  let log: Array<{ id: string; status: string; attempts: number; mode: string; requestedBy: string; attemptLog: Array<{ statusCode: number | null }> }> = [];
  while (Date.now() < deadline) {
    log = (await h.api('GET', `/api/v1/policy-targets/${target.id}/pushes`)).body;
    if (log[0]?.status === 'delivered' || log[0]?.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(log[0]?.status, 'delivered', JSON.stringify(log));
  assert.equal(log[0].attempts, 3);
  assert.equal(log[0].requestedBy, CONSOLE_HUB_APPROVER);
  assert.deepEqual(
    log[0].attemptLog.map((a) => a.statusCode),
    [503, 503, 204],
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(
    received.map((r) => r.answered),
    [503, 503, 204],
    'retried, then delivered exactly once',
  );

  for (const r of received) {
    const signed = {
      body: r.body,
      timestamp: r.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
      signature: r.headers[SIGNATURE_HEADER.toLowerCase()] as string,
    };
    assert.deepEqual(verifyWebhook(SECRET, signed), { ok: true }, 'signature over timestamp.body verifies, and is fresh');
    assert.match(signed.signature, /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(verifyWebhook('another-secret-0000000000', signed), { ok: false, reason: 'bad-signature' });
    // Replayed an hour later, the same request is refused.
    assert.deepEqual(verifyWebhook(SECRET, signed, { now: Date.now() + 3_600_000 }), { ok: false, reason: 'stale' });
    assert.equal(r.headers[DELIVERY_HEADER.toLowerCase()], push.body.pushId, 'the delivery id receivers dedupe by');
  }
  assert.equal(new Set(received.map((r) => r.body)).size, 1, 'every attempt sends the same bytes');
  const doc = JSON.parse(received[2].body);
  assert.deepEqual(
    doc.items.map((i: { value: string }) => i.value),
    ['/opt/syncagent/bin/syncagent'],
    'only approved items',
  );
  assert.equal(doc.set.version, set.version);
  assert.deepEqual(Object.keys(doc.exports).sort(), Object.keys(EXPORT_FORMATS).sort());
  assert.match(doc.exports['cisco-json'].content, /syncagent/);
  assert.doesNotMatch(received[2].body, /buildcache|sync\.log|alice|bob/);
  // Since issue 19: the process item comes from exec data, not audit records, so auditd skips it (with why),
  // and MDE refuses its child scope instead of exporting the parent alone.
  assert.deepEqual(
    doc.exports['auditd-rules'].skipped.map((s: { reason: string }) => s.reason),
    [AUDITD_NOT_AUDIT_EVIDENCE_REASON],
  );
  assert.deepEqual(
    doc.exports['mdatp-json'].skipped.map((s: { reason: string }) => s.reason),
    [MDE_CHILD_SCOPE_REASON],
  );
});

test('pull export per target: approved items only, ETag and If-None-Match 304, new approval changes the ETag', async () => {
  const t = await h.api('POST', '/api/v1/policy-targets', { name: 'ansible', kind: 'pull' });
  assert.equal(t.status, 201);
  assert.equal(t.body.secret, undefined);
  // Cisco's format: the approved agent item is a process with children, which MDE formats refuse (issue 19).
  const path = `/api/v1/policy-targets/${t.body.id}/export?format=cisco-json`;
  assert.equal((await h.api('GET', `/api/v1/policy-targets/${t.body.id}/export?format=nope`)).status, 400);
  const first = await h.api('GET', path, undefined, 'viewer');
  assert.equal(first.status, 200);
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  const paths = first.body.data.map((e: { path?: string; process?: { path: string } }) => e.process?.path ?? e.path);
  assert.deepEqual(paths, ['/opt/syncagent/bin/syncagent']);

  const again = await h.api('GET', path, undefined, 'viewer', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal((await h.api('GET', path, undefined, 'viewer', { 'if-none-match': `W/${etag}, "other"` })).status, 304);

  const set = await latest();
  const log = set.items.find((i) => i.value === '/home/*/.cache/syncagent/sync.log')!;
  await h.api('POST', `/api/v1/exclusion-items/${log.id}/decision`, { decision: 'approved', comment: 'app log' }, 'approver');
  const changed = await h.api('GET', path, undefined, 'viewer', { 'if-none-match': etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.body.data.length, 2);

  // A snoozed item is not approved: it leaves the export again.
  await h.api(
    'POST',
    `/api/v1/exclusion-items/${log.id}/decision`,
    { decision: 'snoozed', comment: 'wait', snoozeUntil: new Date(Date.now() + 3_600_000).toISOString() },
    'approver',
  );
  const snoozed = await h.api('GET', path, undefined, 'viewer', { 'if-none-match': changed.headers.get('etag')! });
  assert.equal(snoozed.status, 200);
  assert.equal(snoozed.headers.get('etag'), etag, 'same content as before the approval, same ETag');

  const pulls = (await h.api('GET', `/api/v1/policy-targets/${t.body.id}/pushes`)).body as Array<{ mode: string; status: string; itemCount: number }>;
  assert.deepEqual(
    pulls.map((p) => [p.mode, p.status, p.itemCount]),
    [
      ['pull', 'served', 1],
      ['pull', 'served', 2],
      ['pull', 'served', 1],
    ],
  );
  // Pushing to a pull-only target is refused.
  assert.equal((await h.api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId: t.body.id }, 'approver')).status, 409);
});

type HistoryRow = {
  id: string;
  target: { id: string; name: string; kind: string; deleted: boolean };
  set: { id: string; version: number };
  mode: string;
  itemCount: number;
  status: string;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  lastError: string | null;
  lastAttempt: { attempt: number; statusCode: number | null; error: string | null } | null;
};

test('fleet-wide push history: viewers read it, newest first, keyset pages, filters, a failed push with its last attempt', async () => {
  // A webhook target nobody listens on: every attempt fails, the push ends failed.
  const dead = await h.api('POST', '/api/v1/policy-targets', {
    name: 'dead <b>"hook"</b>',
    kind: 'webhook',
    url: 'http://127.0.0.1:9/nothing',
    secret: SECRET,
  });
  assert.equal(dead.status, 201);
  const set = await latest();
  assert.equal((await h.api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId: dead.body.id }, 'approver')).status, 202);
  const deadline = Date.now() + 30_000;
  let failed: HistoryRow | undefined;
  while (Date.now() < deadline) {
    failed = (await h.api('GET', `/api/v1/policy-pushes?targetId=${dead.body.id}`, undefined, 'viewer')).body.items[0];
    if (failed?.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.equal(failed?.status, 'failed', JSON.stringify(failed));
  assert.equal(failed!.attempts, 6);
  assert.equal(failed!.finishedAt, null);
  assert.equal(failed!.lastAttempt?.attempt, 6);
  assert.equal(failed!.lastAttempt?.statusCode, null);
  // Viewers learn that it failed, not how (a port-scan oracle otherwise); admins read the detail in the target's log.
  assert.equal(failed!.lastAttempt!.error, 'delivery failed (details in the admin delivery log)');
  assert.equal(failed!.lastError, 'delivery failed (details in the admin delivery log)');
  const adminLog = (await h.api('GET', `/api/v1/policy-targets/${dead.body.id}/pushes`)).body as Array<{
    lastError: string;
    attemptLog: Array<{ error: string }>;
  }>;
  assert.match(adminLog[0].attemptLog[5].error, /ECONNREFUSED/);
  assert.match(
    (await h.api('GET', `/api/v1/policy-pushes?targetId=${dead.body.id}`)).body.items[0].lastAttempt.error,
    /ECONNREFUSED/,
    'admins see the detail in the history too',
  );
  assert.equal(failed!.target.name, 'dead <b>"hook"</b>', 'names come back as stored; the dashboard renders them as text');

  const all = await h.api('GET', '/api/v1/policy-pushes?limit=500', undefined, 'viewer');
  assert.equal(all.status, 200);
  const rows = all.body.items as HistoryRow[];
  // Earlier tests: one delivered webhook push and three served pulls; this one: one failed push.
  assert.equal(all.body.total, rows.length);
  assert.deepEqual(rows.map((r) => `${r.mode}:${r.status}`).sort(), ['pull:served', 'pull:served', 'pull:served', 'webhook:delivered', 'webhook:failed']);
  assert.equal(all.body.nextCursor, null);
  const times = rows.map((r) => Date.parse(r.createdAt));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
    'newest first',
  );
  const delivered = rows.find((r) => r.status === 'delivered')!;
  assert.equal(delivered.target.name, 'cm-webhook');
  assert.equal(delivered.set.version, set.version);
  assert.equal(delivered.itemCount, 1);
  assert.equal(delivered.attempts, 3);
  assert.ok(delivered.finishedAt && Date.parse(delivered.finishedAt) >= Date.parse(delivered.createdAt));
  assert.deepEqual([delivered.lastAttempt?.attempt, delivered.lastAttempt?.statusCode, delivered.lastAttempt?.error], [3, 204, null]);
  assert.ok(!all.text.includes(SECRET) && !all.text.includes(receiverUrl), 'no target secret or URL for viewers');

  // Pages of two, cursor to cursor, give the same rows once each.
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await h.api('GET', `/api/v1/policy-pushes?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, 'viewer');
    assert.equal(page.status, 200);
    assert.ok(page.body.items.length <= 2);
    paged.push(...page.body.items.map((r: HistoryRow) => r.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(
    paged,
    rows.map((r) => r.id),
  );

  const pulls = (await h.api('GET', '/api/v1/policy-pushes?mode=pull', undefined, 'viewer')).body.items as HistoryRow[];
  assert.equal(pulls.length, 3);
  assert.ok(pulls.every((p) => p.mode === 'pull' && p.lastAttempt === null && p.finishedAt));
  assert.deepEqual(
    (await h.api('GET', '/api/v1/policy-pushes?status=delivered', undefined, 'viewer')).body.items.map((r: HistoryRow) => r.id),
    [delivered.id],
  );
  const future = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await h.api('GET', `/api/v1/policy-pushes?since=${future}`, undefined, 'viewer')).body.total, 0);

  // Validation and auth, with the API's error shape.
  const bad = await h.api('GET', '/api/v1/policy-pushes?cursor=bm90LWEtY3Vyc29y', undefined, 'viewer');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.issues[0].path, 'cursor');
  for (const q of ['limit=0', 'limit=501', 'status=lost', 'targetId=nope', 'since=yesterday', 'extra=1']) {
    assert.equal((await h.api('GET', `/api/v1/policy-pushes?${q}`, undefined, 'viewer')).status, 400, q);
  }
  assert.equal((await fetch(`${h.base}/api/v1/policy-pushes`)).status, 401);
  const doc = (await (await fetch(`${h.base}/api/docs/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> };
  assert.deepEqual(doc.paths['/api/v1/policy-pushes'].get!.parameters!.map((p) => p.name).sort(), [
    'cursor',
    'limit',
    'mode',
    'since',
    'status',
    'targetId',
    'until',
  ]);
});

test('approvers list push targets without their URLs; viewers may not', async () => {
  const asApprover = await h.api('GET', '/api/v1/policy-targets', undefined, 'approver');
  assert.equal(asApprover.status, 200);
  assert.ok(asApprover.body.length >= 3);
  assert.ok(asApprover.body.every((t: { url: string | null; secret?: string }) => t.url === null && t.secret === undefined));
  const asAdmin = await h.api('GET', '/api/v1/policy-targets');
  assert.ok(asAdmin.body.some((t: { url: string | null }) => t.url === receiverUrl));
  assert.equal((await h.api('GET', '/api/v1/policy-targets', undefined, 'viewer')).status, 403);
});
