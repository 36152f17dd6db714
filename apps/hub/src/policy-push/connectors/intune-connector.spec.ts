import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { intuneExclusionSettingInstance, readIntuneExclusions } from '@fleettune/exporters';
import { assertDefenderAddThenRemove, assertDefenderDryRun, assertPushSurvivesConsoleFaults } from '../../testing/console-connector-contract';
import { ConsoleHub, NOISY_ITEMS, startConsoleHub } from '../../testing/console-target-fixture';
import { FakeGraphPolicy, FakeGraphServer, startFakeGraphServer } from '../../testing/fake-graph-server';

// Issue 14 item 3: the Intune connector through the real hub (REST, BullMQ job, PostgreSQL) against a fake Graph that enforces Microsoft's contract.
let h: ConsoleHub;
let graph: FakeGraphServer;
let targetId: string;
let human: FakeGraphPolicy;
let macSameName: FakeGraphPolicy;
const OUR_NAME = 'fleettune: Linux Defender exclusions';
const { chunks: CHUNKS, log: LOG } = NOISY_ITEMS;

before(async () => {
  graph = await startFakeGraphServer();
  h = await startConsoleHub('intune_connector_spec', 'linux');
  // What the tenant already has: a person's exclusions policy on the same template, and more policies than one page.
  human = graph.addPolicy({
    name: 'Acme Linux AV exclusions',
    settings: [{ id: '0', settingInstance: intuneExclusionSettingInstance('linux', [{ $type: 'excludedPath', path: '/opt/acme', isDirectory: true }]) }],
  });
  for (let i = 0; i < 4; i++) graph.addPolicy({ name: `Other policy ${i}` });
  // A macOS exclusions policy with the very name the Linux target will use: another platform's, never this target's.
  macSameName = graph.addPolicy({
    name: OUR_NAME,
    platforms: 'macOS',
    technologies: 'mdm,microsoftSense',
    templateReference: { templateId: '43397174-2244-4006-b5ad-421b369e90d4_1' },
    settings: [{ id: '0', settingInstance: intuneExclusionSettingInstance('darwin', [{ $type: 'excludedFileExtension', extension: '.dmg' }]) }],
  });
});

after(async () => {
  await h?.close();
  await graph?.close();
});

function ours(): FakeGraphPolicy | undefined {
  return [...graph.policies.values()].find((p) => p.name === OUR_NAME && p.platforms === 'linux');
}

function entriesOf(p: FakeGraphPolicy | undefined) {
  return p ? readIntuneExclusions('linux', p.settings).entries : [];
}

const snapshot = () => JSON.stringify([...graph.policies.values()]);
const writes = () => graph.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;

test('intune target: created with sealed credentials; a bad config or an internal URL is refused', async () => {
  const bad = await h.api('POST', '/api/v1/policy-targets', {
    name: 'x',
    kind: 'intune',
    config: { tenantId: graph.tenantId, platform: 'windows' },
    credentials: {},
  });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /platform|credentials/);
  const internal = await h.api('POST', '/api/v1/policy-targets', {
    name: 'x',
    kind: 'intune',
    config: { tenantId: graph.tenantId, platform: 'linux', graphUrl: 'https://169.254.169.254' },
    credentials: { clientId: graph.clientId, clientSecret: graph.clientSecret },
  });
  assert.equal(internal.status, 400, internal.text);
  const created = await h.api('POST', '/api/v1/policy-targets', {
    name: 'intune-linux',
    kind: 'intune',
    config: { tenantId: graph.tenantId, platform: 'linux', policyName: 'Linux Defender exclusions', loginUrl: graph.origin, graphUrl: graph.origin },
    credentials: { clientId: graph.clientId, clientSecret: graph.clientSecret },
  });
  assert.equal(created.status, 201, created.text);
  targetId = created.body.id;
  assert.doesNotMatch(created.text, new RegExp(graph.clientSecret.replace(/[.~]/g, '\\$&')), 'the secret is never shown');
  assert.equal(created.body.config.platform, 'linux');
});

test('intune: a dry run first shows the plan and the items Defender cannot carry, and writes nothing', async () => {
  await assertDefenderDryRun(h, targetId, { snapshot, writes });
  assert.ok(
    graph.requests.some((r) => r.path.includes('skiptoken=')),
    'the policy list was read across pages',
  );
});

test("intune: first push creates fleettune's policy, verified by read-back; the person's policy is untouched", async () => {
  const humanBefore = JSON.stringify(human);
  const macBefore = JSON.stringify(macSameName);
  const row = await h.pushAndWait(targetId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.equal(row.verified, true);
  const p = ours();
  assert.ok(p, 'the policy exists');
  assert.equal(p.platforms, 'linux');
  assert.equal(p.templateReference.templateId, '8a17a1e5-3df4-4e07-9d20-3878267a79b8_1');
  assert.deepEqual(entriesOf(p), [{ $type: 'excludedPath', path: CHUNKS, isDirectory: false }]);
  assert.equal(JSON.stringify(human), humanBefore);
  assert.equal(JSON.stringify(macSameName), macBefore, "the macOS policy of the same name is not this target's");
  // Pushing the same set again changes nothing.
  const again = await h.pushAndWait(targetId);
  assert.equal(again.status, 'unchanged', JSON.stringify(again));
});

test("intune: an item added and an item removed change only fleettune's entries", async () => {
  await assertDefenderAddThenRemove(h, targetId, () => entriesOf(ours()));
  assert.deepEqual(entriesOf(human), [{ $type: 'excludedPath', path: '/opt/acme', isDirectory: true }], "the person's policy is never written");
});

test("intune: a hand edit is reported as drift; the next push restores fleettune's entry and keeps the person's", async () => {
  const p = ours()!;
  // Someone deletes fleettune's entry and adds one of their own, in the Intune admin center.
  p.settings = [{ id: '0', settingInstance: intuneExclusionSettingInstance('linux', [{ $type: 'excludedFileExtension', extension: '.iso' }]) }];
  const drift = await h.api('GET', `/api/v1/policy-targets/${targetId}/drift`);
  assert.equal(drift.status, 200, drift.text);
  assert.deepEqual(
    drift.body.drift.map((d: { kind: string }) => d.kind),
    ['removed'],
  );
  assert.equal(drift.body.humanMade, 1);
  const row = await h.pushAndWait(targetId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.equal(row.verified, true);
  assert.deepEqual(
    row.drift?.map((d) => d.kind),
    ['removed'],
    'the push records the drift it found',
  );
  assert.deepEqual(entriesOf(ours()), [
    { $type: 'excludedFileExtension', extension: '.iso' },
    { $type: 'excludedPath', path: LOG, isDirectory: false },
  ]);
});

test('intune: an expired token is refreshed once, 429 waits for Retry-After, 5xx is retried; the push still lands verified', async () => {
  await assertPushSurvivesConsoleFaults(h, graph, targetId, CHUNKS, 503);
  assert.deepEqual(entriesOf(ours()).length, 2);
});

test('intune: rollback re-pushes the previous approved version', async () => {
  await h.decide(CHUNKS, 'approved');
  const pushed = await h.pushAndWait(targetId);
  assert.equal(pushed.status, 'delivered', JSON.stringify(pushed));
  assert.deepEqual(
    entriesOf(ours()).map((e) => (e.$type === 'excludedPath' ? e.path : e.$type)),
    ['excludedFileExtension', LOG, CHUNKS],
  );
  const r = await h.api('POST', `/api/v1/policy-targets/${targetId}/rollback`, undefined, 'approver');
  assert.equal(r.status, 202, r.text);
  const row = await h.waitPush(targetId, r.body.pushId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.deepEqual(
    entriesOf(ours()).map((e) => (e.$type === 'excludedPath' ? e.path : e.$type)),
    ['excludedFileExtension', LOG],
    "the version before, the person's entry kept",
  );
});

test("intune: refused client credentials fail the push at once with the identity platform's reason", async () => {
  const t = await h.api('POST', '/api/v1/policy-targets', {
    name: 'intune-bad-secret',
    kind: 'intune',
    config: { tenantId: graph.tenantId, platform: 'linux', policyName: 'Other', loginUrl: graph.origin, graphUrl: graph.origin },
    credentials: { clientId: graph.clientId, clientSecret: 'wrong' },
  });
  assert.equal(t.status, 201, t.text);
  const row = await h.pushAndWait(t.body.id);
  assert.equal(row.status, 'failed');
  assert.equal(row.attempts, 1, 'not retried');
  assert.match(row.lastError ?? '', /invalid_client|AADSTS7000215/);
});
