import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parsePlist, plistDocument, readJamfProfile, wdavMobileconfig, xmlEscape } from '@fleettune/exporters';
import { assertDefenderAddThenRemove, assertDefenderDryRun, assertPushSurvivesConsoleFaults } from '../../testing/console-connector-contract';
import { ConsoleHub, NOISY_ITEMS, startConsoleHub } from '../../testing/console-target-fixture';
import { FakeJamfProfile, FakeJamfServer, startFakeJamfServer } from '../../testing/fake-jamf-server';

// Issue 14 item 3: the Jamf Pro connector through the real hub (REST, BullMQ job, PostgreSQL) against a fake Jamf Pro that enforces Jamf's contract.
let h: ConsoleHub;
let jamf: FakeJamfServer;
let targetId: string;
let human: FakeJamfProfile;
const OUR_NAME = 'fleettune: Mac Defender exclusions';
const { chunks: CHUNKS, log: LOG } = NOISY_ITEMS;

before(async () => {
  jamf = await startFakeJamfServer();
  h = await startConsoleHub('jamf_connector_spec', 'darwin');
  // What the Jamf server already has: a person's Defender profile.
  human = jamf.addProfile({
    name: 'Defender for Mac (IT)',
    description: 'made by IT',
    payloads: wdavMobileconfig({ name: 'Defender for Mac (IT)', description: '', profileUuid: 'H1', payloadUuid: 'H2', identifier: 'com.acme.wdav' }, [
      { $type: 'excludedPath', path: '/Applications/Acme.app', isDirectory: true },
    ]),
  });
});

after(async () => {
  await h?.close();
  await jamf?.close();
});

function ours(): FakeJamfProfile | undefined {
  return [...jamf.profiles.values()].find((p) => p.name === OUR_NAME);
}

const entriesOf = (p: FakeJamfProfile | undefined) =>
  p ? readJamfProfile(`<os_x_configuration_profile><general><payloads>${xmlEscape(p.payloads)}</payloads></general></os_x_configuration_profile>`).entries : [];
const snapshot = () => JSON.stringify([...jamf.profiles.values()]);
const writes = () => jamf.requests.filter((r) => r.method !== 'GET' && r.path !== '/api/oauth/token').length;

test('jamf target: created with sealed credentials; a missing url is refused', async () => {
  const bad = await h.api('POST', '/api/v1/policy-targets', { name: 'x', kind: 'jamf', config: {}, credentials: { clientId: 'a', clientSecret: 'b' } });
  assert.equal(bad.status, 400, bad.text);
  const created = await h.api('POST', '/api/v1/policy-targets', {
    name: 'jamf',
    kind: 'jamf',
    config: { url: jamf.origin, profileName: 'Mac Defender exclusions' },
    credentials: { clientId: jamf.clientId, clientSecret: jamf.clientSecret },
  });
  assert.equal(created.status, 201, created.text);
  targetId = created.body.id;
  assert.ok(!created.text.includes(jamf.clientSecret), 'the secret is never shown');
});

test('jamf: a dry run first shows the plan and what Defender cannot carry, and writes nothing', async () => {
  await assertDefenderDryRun(h, targetId, { snapshot, writes });
});

test("jamf: first push creates fleettune's com.microsoft.wdav profile, verified by read-back; the person's profile is untouched", async () => {
  const humanBefore = JSON.stringify(human);
  const row = await h.pushAndWait(targetId);
  assert.equal(row.status, 'delivered', JSON.stringify(row));
  assert.equal(row.verified, true);
  const p = ours();
  assert.ok(p);
  const profile = parsePlist(p.payloads) as { PayloadType: string; PayloadContent: Array<{ PayloadType: string }> };
  assert.equal(profile.PayloadType, 'Configuration');
  assert.equal(profile.PayloadContent[0]!.PayloadType, 'com.microsoft.wdav');
  assert.deepEqual(entriesOf(p), [{ $type: 'excludedPath', path: CHUNKS, isDirectory: false }]);
  assert.equal(JSON.stringify(human), humanBefore);
  const again = await h.pushAndWait(targetId);
  assert.equal(again.status, 'unchanged', JSON.stringify(again));
});

test("jamf: an item added and an item removed change only fleettune's entries; the profile's scope is left as the admin set it", async () => {
  ours()!.scopeXml = '<scope><all_computers>false</all_computers><computer_groups><computer_group><id>7</id></computer_group></computer_groups></scope>';
  await assertDefenderAddThenRemove(h, targetId, () => entriesOf(ours()));
  assert.match(ours()!.scopeXml, /<id>7<\/id>/, 'the scope is untouched');
  assert.deepEqual(entriesOf(human), [{ $type: 'excludedPath', path: '/Applications/Acme.app', isDirectory: true }]);
});

test("jamf: a hand edit is reported as drift; the next push restores fleettune's entry and keeps the person's and their other settings", async () => {
  const p = ours()!;
  // Someone replaces fleettune's entry with their own and sets another Defender preference in the same payload.
  const edited = parsePlist(p.payloads) as Record<string, unknown> & { PayloadContent: Array<Record<string, unknown>> };
  edited.PayloadContent[0]!.antivirusEngine = {
    exclusions: [{ $type: 'excludedFileExtension', extension: '.dmg' }],
    exclusionsMergePolicy: 'merge',
    scanArchives: false,
  };
  p.payloads = plistDocument(edited as never);
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
  assert.deepEqual(entriesOf(ours()), [
    { $type: 'excludedFileExtension', extension: '.dmg' },
    { $type: 'excludedPath', path: LOG, isDirectory: false },
  ]);
  const engine = (parsePlist(ours()!.payloads) as { PayloadContent: Array<{ antivirusEngine: Record<string, unknown> }> }).PayloadContent[0]!.antivirusEngine;
  assert.equal(engine.scanArchives, false, "the person's other setting is kept");
});

test('jamf: an expired token is refreshed once, 429 waits for Retry-After, 5xx is retried; the push still lands verified', async () => {
  await assertPushSurvivesConsoleFaults(h, jamf, targetId, CHUNKS, 502);
});

test('jamf: an API role without the Update privilege fails the push with why', async () => {
  await h.decide(CHUNKS, 'approved');
  jamf.privileges.delete('Update macOS Configuration Profiles');
  try {
    const row = await h.pushAndWait(targetId);
    assert.equal(row.status, 'failed', JSON.stringify(row));
    assert.match(row.lastError ?? '', /HTTP 403/);
  } finally {
    jamf.privileges.add('Update macOS Configuration Profiles');
  }
});
