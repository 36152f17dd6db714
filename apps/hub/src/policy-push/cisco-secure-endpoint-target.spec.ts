import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { ConsoleHub, NOISY_ITEMS, startConsoleHub } from '../testing/console-target-fixture';
import { FakeCiscoSecureEndpoint } from '../testing/fake-cisco-secure-endpoint';

/**
 * Contract specs of the Cisco Secure Endpoint connector through the real hub
 * (REST, BullMQ job, PostgreSQL) against a fake Secure Endpoint that enforces
 * the documented token flow, pagination, shapes and errors
 * (testing/fake-cisco-secure-endpoint.ts). No live tenant is involved.
 */
const ORG = 'org4baasceazofqpxidpinxtt5l';
const SET_GUID = 'f3b2a9e0-6c1d-4c55-9d8e-3e1f0c2b7a11';
const CLIENT = { clientId: 'client-fleettune-0001', clientSecret: 'xdr-client-password-s3cret' };

let h: ConsoleHub;
let prisma: PrismaService;
let fake: FakeCiscoSecureEndpoint;
let setId: string;
let targetId: string;

before(async () => {
  fake = await new FakeCiscoSecureEndpoint({ ...CLIENT, organizationId: ORG, exclusionSetGuid: SET_GUID }).start();
  h = await startConsoleHub('cisco_connector_spec', 'linux');
  prisma = h.hub.app.get(PrismaService);
  setId = (await h.api('GET', '/api/v1/exclusion-sets/latest')).body.id;
});

after(async () => {
  await h?.close();
  await fake?.close();
});

const { agent: AGENT, log: LOG } = NOISY_ITEMS;
// The fixture's agent is both a process item and an audit-exe item (auditd only): the process one is meant.
const decide = (value: string, decision: 'approved' | 'rejected') => h.decide(value, decision, value === AGENT ? 'process' : undefined);
const pushAndWait = (target = targetId) => h.pushAndWait(target);

/** The exclusions the fake console holds, as comparable strings. */
const consoleHolds = () =>
  fake.exclusions
    .map((e) =>
      e.exclusionType === 'process' ? `process:${(e.process as { path: string }).path}` : `${String(e.exclusionType)}:${String(e.path ?? e.fileExtension)}`,
    )
    .sort();

const config = () => fake.targetConfig();

test('a Cisco target: config checked, credentials sealed and never shown, non-public URLs refused', async () => {
  // A valid target but for `fields` (a field set to undefined is left out of the JSON body).
  const create = (fields: Record<string, unknown>) =>
    h.api('POST', '/api/v1/policy-targets', { name: 'cisco', kind: 'cisco-secure-endpoint', config: config(), credentials: CLIENT, ...fields });
  const noCreds = await create({ credentials: undefined });
  assert.equal(noCreds.status, 400, noCreds.text);
  assert.match(noCreds.text, /credentials/);
  const badOrg = await create({ config: { ...config(), organizationId: '../admin' } });
  assert.equal(badOrg.status, 400, badOrg.text);
  const internal = await create({ config: { ...config(), apiBaseUrl: 'https://10.1.2.3/v3' } });
  assert.equal(internal.status, 400, internal.text);
  assert.match(internal.text, /private/);
  const plain = await create({ url: 'https://x' });
  assert.equal(plain.status, 400, plain.text);

  const created = await create({});
  assert.equal(created.status, 201, created.text);
  targetId = created.body.id;
  assert.equal(created.body.kind, 'cisco-secure-endpoint');
  assert.deepEqual(created.body.config, { region: 'nam', ...config() });
  assert.doesNotMatch(created.text, new RegExp(CLIENT.clientSecret));
  const row = await prisma.policyTarget.findUniqueOrThrow({ where: { id: targetId } });
  assert.match(row.secret!, /^enc:v1:/, 'credentials sealed at rest');
  assert.doesNotMatch(row.secret!, /client-fleettune|s3cret/);
  const listed = (await h.api('GET', '/api/v1/policy-targets', undefined, 'approver')).body as Array<{ id: string; config: unknown }>;
  assert.equal(listed.find((t) => t.id === targetId)?.config, null, 'non-admins do not see the config');
});

test('dry run: the plan against the console, a human-made item counted, nothing written or queued', async () => {
  fake.addByHand({ exclusionType: 'path', path: '/opt/human-made/cache' });
  await decide(AGENT, 'approved');
  const pushesBefore = await prisma.policyPush.count();
  const dry = await h.dryRun(targetId);
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.dryRun, true, dry.text);
  assert.equal(dry.body.humanMade, 1);
  assert.deepEqual(
    dry.body.plan.add.map((a: { body: { process?: { path: string } } }) => a.body.process?.path),
    [AGENT],
  );
  assert.deepEqual([dry.body.plan.remove.length, dry.body.plan.unchanged.length], [0, 0]);
  assert.deepEqual(fake.writes(), [], 'a dry run writes nothing to the console');
  assert.equal(await prisma.policyPush.count(), pushesBefore, 'a dry run records and queues nothing');
  const dryWebhook = await h.dryRun('not-a-uuid');
  assert.equal(dryWebhook.status, 400);
});

test('first push: the approved item is created, read back and verified; the human-made item stays', async () => {
  const first = await pushAndWait();
  assert.equal(first.status, 'delivered', JSON.stringify(first));
  assert.equal(first.verified, true);
  assert.equal(first.plan?.add.length, 1);
  assert.equal(first.applied?.length, 1);
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache', `process:${AGENT}`]);
  const ours = fake.exclusions.find((e) => e.guid === first.applied![0].consoleId)!;
  assert.deepEqual(ours.engineSettings, { fileScan: { applyToEngine: true, applyToChildProcesses: true } }, 'child scope as approved (E3)');
  assert.equal((ours.process as { user: string }).user, 'All Users');
  // The same approved items again: nothing to do, verified, no write.
  const writes = fake.writes().length;
  const again = await pushAndWait();
  assert.equal(again.status, 'unchanged', JSON.stringify(again));
  assert.equal(again.verified, true);
  assert.equal(fake.writes().length, writes);
  // The fleet-wide history (the Trends page's closed loop) shows both as verified console pushes.
  const history = (await h.api('GET', `/api/v1/policy-pushes?mode=cisco-secure-endpoint&targetId=${targetId}`, undefined, 'approver')).body as {
    items: Array<{ id: string; status: string; verified: boolean | null }>;
  };
  assert.deepEqual(
    history.items.map((h) => [h.id, h.status, h.verified]),
    [
      [again.id, 'unchanged', true],
      [first.id, 'delivered', true],
    ],
  );
});

test('an item added and an item removed: only ours change, the human-made item is never touched', async () => {
  await decide(LOG, 'approved');
  const added = await pushAndWait();
  assert.equal(added.status, 'delivered', JSON.stringify(added));
  assert.deepEqual([added.plan?.add.length, added.plan?.remove.length, added.plan?.unchanged.length], [1, 0, 1]);
  assert.deepEqual(consoleHolds(), ['path:/home/*/.cache/syncagent/sync.log', 'path:/opt/human-made/cache', `process:${AGENT}`]);

  await decide(LOG, 'rejected');
  const removed = await pushAndWait();
  assert.equal(removed.status, 'delivered', JSON.stringify(removed));
  assert.deepEqual([removed.plan?.add.length, removed.plan?.remove.length, removed.plan?.unchanged.length], [0, 1, 1]);
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache', `process:${AGENT}`]);
  const human = fake.exclusions.find((e) => e.path === '/opt/human-made/cache')!;
  assert.ok(!fake.log.some((r) => r.method === 'DELETE' && r.path.endsWith(human.guid)), 'never a DELETE of the human-made item');
});

test('drift: a hand edit of our item is reported, and the next push restores the approved form', async () => {
  const ours = fake.exclusions.find((e) => e.exclusionType === 'process')!;
  fake.editByHand(ours.guid, { engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: false } } });
  const drift = await h.api('GET', `/api/v1/policy-targets/${targetId}/drift`);
  assert.equal(drift.status, 200, drift.text);
  assert.deepEqual(
    drift.body.drift.map((d: { kind: string; consoleId: string }) => [d.kind, d.consoleId]),
    [['changed', ours.guid]],
  );
  assert.equal(drift.body.humanMade, 1);
  const fixed = await pushAndWait();
  assert.equal(fixed.status, 'delivered', JSON.stringify(fixed));
  assert.deepEqual(
    fixed.drift?.map((d) => d.kind),
    ['changed'],
    'the push records the drift it found',
  );
  const now = fake.exclusions.find((e) => e.exclusionType === 'process')!;
  assert.deepEqual(now.engineSettings, { fileScan: { applyToEngine: true, applyToChildProcesses: true } });
  assert.deepEqual((await h.api('GET', `/api/v1/policy-targets/${targetId}/drift`)).body.drift, []);
  // Removed by hand: reported, re-created by the next push.
  fake.deleteByHand(now.guid);
  assert.deepEqual(
    (await h.api('GET', `/api/v1/policy-targets/${targetId}/drift`)).body.drift.map((d: { kind: string }) => d.kind),
    ['removed'],
  );
  const restored = await pushAndWait();
  assert.equal(restored.status, 'delivered', JSON.stringify(restored));
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache', `process:${AGENT}`]);
});

test('token expiry in the middle of a push: 401, one token refresh, the call retried', async () => {
  await decide(LOG, 'approved');
  const issued = fake.tokensIssued();
  fake.expireTokensAfterCalls(1);
  try {
    const pushed = await pushAndWait();
    assert.equal(pushed.status, 'delivered', JSON.stringify(pushed));
    assert.equal(pushed.verified, true);
  } finally {
    fake.expireTokensAfterCalls(undefined);
  }
  assert.ok(fake.tokensIssued() >= issued + 3, 'a fresh token per refresh');
  assert.ok(fake.log.some((r) => r.status === 401));
  assert.deepEqual(consoleHolds(), ['path:/home/*/.cache/syncagent/sync.log', 'path:/opt/human-made/cache', `process:${AGENT}`]);
});

test('429: the push waits Retry-After and goes on', async () => {
  await decide(LOG, 'rejected');
  fake.rateLimitNext(1, '1');
  const started = Date.now();
  const pushed = await pushAndWait();
  assert.equal(pushed.status, 'delivered', JSON.stringify(pushed));
  assert.ok(Date.now() - started >= 1000, 'waited the Retry-After second');
  assert.equal(pushed.attempts, 1, 'within one attempt');
  assert.ok(fake.log.some((r) => r.status === 429));
});

test('5xx: retried with backoff within the call, then by the job; the push ends verified', async () => {
  await decide(LOG, 'approved');
  fake.failNext(5, 503);
  const pushed = await pushAndWait();
  assert.equal(pushed.status, 'delivered', JSON.stringify(pushed));
  assert.equal(pushed.verified, true);
  assert.equal(pushed.attempts, 2, 'the first attempt ran out of in-call retries; the job tried again');
  assert.match(pushed.attemptLog[0].error ?? '', /HTTP 503/);
  assert.equal(fake.log.filter((r) => r.status === 503).length, 5);
  assert.deepEqual(consoleHolds(), ['path:/home/*/.cache/syncagent/sync.log', 'path:/opt/human-made/cache', `process:${AGENT}`]);
});

test('rollback: the previous approved version is pushed again, exactly as it was applied', async () => {
  const rolled = await h.api('POST', `/api/v1/policy-targets/${targetId}/rollback`, undefined, 'approver');
  assert.equal(rolled.status, 202, rolled.text);
  const row = await h.waitPush(targetId, rolled.body.pushId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.equal(row.verified, true);
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache', `process:${AGENT}`], 'back to the version before the log item');
});

test('rollback never brings back an item rejected since that version', async () => {
  // Now: the agent only. Make the newest version the log only, with the agent rejected.
  await decide(AGENT, 'rejected');
  await decide(LOG, 'approved');
  const logOnly = await pushAndWait();
  assert.equal(logOnly.status, 'delivered', JSON.stringify(logOnly));
  assert.deepEqual(consoleHolds(), ['path:/home/*/.cache/syncagent/sync.log', 'path:/opt/human-made/cache']);
  // The previous version held the agent, which nobody approves any more: left out, said so.
  const rolled = await h.api('POST', `/api/v1/policy-targets/${targetId}/rollback`, undefined, 'approver');
  assert.equal(rolled.status, 202, rolled.text);
  assert.deepEqual(
    rolled.body.skipped.map((s: { value: string }) => s.value),
    [AGENT],
  );
  const row = await h.waitPush(targetId, rolled.body.pushId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache'], 'the rejected agent is not re-created');
  // Back to the state the next specs expect: the agent approved and pushed.
  await decide(AGENT, 'approved');
  await decide(LOG, 'rejected');
  assert.equal((await pushAndWait()).status, 'delivered');
  assert.deepEqual(consoleHolds(), ['path:/opt/human-made/cache', `process:${AGENT}`]);
});

test('two pushes to one console at once: one after the other, the item created once', async () => {
  await decide(LOG, 'approved');
  const [a, b] = await Promise.all([0, 1].map(() => h.api('POST', `/api/v1/exclusion-sets/${setId}/push`, { targetId }, 'approver')));
  assert.deepEqual([a.status, b.status], [202, 202]);
  const rows = await Promise.all([h.waitPush(targetId, a.body.pushId), h.waitPush(targetId, b.body.pushId)]);
  assert.deepEqual(rows.map((r) => r.status).sort(), ['delivered', 'unchanged'], 'the second one found the work done');
  assert.deepEqual(consoleHolds(), ['path:/home/*/.cache/syncagent/sync.log', 'path:/opt/human-made/cache', `process:${AGENT}`]);
  await decide(LOG, 'rejected');
  assert.equal((await pushAndWait()).status, 'delivered');
});

test('refused credentials fail the push at once, without retries', async () => {
  const created = await h.api('POST', '/api/v1/policy-targets', {
    name: 'cisco-wrong',
    kind: 'cisco-secure-endpoint',
    config: config(),
    credentials: { ...CLIENT, clientSecret: 'wrong-password' },
  });
  assert.equal(created.status, 201, created.text);
  const pushed = await pushAndWait(created.body.id);
  assert.equal(pushed.status, 'failed');
  assert.equal(pushed.attempts, 1);
  assert.match(pushed.lastError ?? '', /invalid_client/);
  const dry = await h.dryRun(created.body.id);
  assert.equal(dry.status, 502, dry.text);
});

test('pagination: an exclusion set of several pages is read whole (size 100, start advancing to meta.total)', async () => {
  for (let i = 0; i < 230; i++) fake.addByHand({ exclusionType: 'fileExtension', fileExtension: `ext${i}` });
  const reads = () => fake.log.filter((r) => r.method === 'GET' && r.path.endsWith('/exclusions')).length;
  const before = reads();
  const drift = await h.api('GET', `/api/v1/policy-targets/${targetId}/drift`);
  assert.equal(drift.status, 200, drift.text);
  assert.equal(drift.body.humanMade, 231);
  assert.equal(drift.body.owned, 1);
  assert.deepEqual(drift.body.drift, []);
  assert.equal(reads() - before, 3, 'three pages of at most 100');
});
