import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExportableExclusion } from '@fleettune/rules';
import { MDE_CHILD_SCOPE_REASON } from './mdatp-exclusion-mapping';
import { MdeConsoleEntry, mdeConsoleEntries, mdeEntryKey, planMdeConsolePush } from './mde-console-entries';
import { intuneExclusionIds, intunePolicyCreateBody, readIntuneExclusions } from './intune-defender-exclusions';
import { jamfProfileXml, readJamfProfile, readJamfProfileList, rewriteWdavExclusions, wdavExclusionsInOrder, wdavMobileconfig } from './jamf-wdav-profile';
import { parsePlist, plistDocument } from './plist-values';
import { parseXml, XmlSyntaxError } from './small-xml';

// Issue 14 item 3: the payloads the Intune and Jamf connectors write, and reading them back.
const base = { isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'test' };
const item = (over: Partial<ExportableExclusion>): ExportableExclusion => ({ ...base, type: 'path', value: '/x', ...over }) as ExportableExclusion;
const dir: MdeConsoleEntry = { $type: 'excludedPath', path: '/opt/acme/cache', isDirectory: true };
const ext: MdeConsoleEntry = { $type: 'excludedFileExtension', extension: '.pcap' };
const proc: MdeConsoleEntry = { $type: 'excludedFileName', name: '/opt/acme/bin/scanner' };
const file: MdeConsoleEntry = { $type: 'excludedPath', path: '/var/log/a & <b>.log', isDirectory: false };

test('console entries follow the MDE mapping: child-scoped processes and auditd items refused with why, duplicates once', () => {
  const { entries, skipped } = mdeConsoleEntries([
    item({ type: 'path', value: '/opt/acme/cache', isDirectory: true }),
    item({ type: 'path', value: '/opt/acme/cache', isDirectory: true }),
    item({ type: 'extension', value: 'pcap' }),
    item({ type: 'process', value: '/opt/acme/bin/scanner' }),
    item({ type: 'process', value: '/opt/jamf/bin/jamf', applyToChildren: true }),
    item({ type: 'audit-exe', value: '/usr/bin/foo' }),
    item({ type: 'path', value: '/tmp/a\nb' }),
  ]);
  assert.deepEqual(entries, [dir, ext, proc]);
  assert.deepEqual(
    skipped.map((s) => s.item.value),
    ['/opt/jamf/bin/jamf', '/usr/bin/foo', '/tmp/a\nb'],
  );
  assert.equal(skipped[0]!.reason, MDE_CHILD_SCOPE_REASON);
});

test('plan: first push, an item added, an item removed, a hand-added entry kept and a hand-removed one reported', () => {
  const first = planMdeConsolePush([dir, ext], undefined, undefined);
  assert.deepEqual(first.add, [dir, ext]);
  assert.equal(first.changed, true);
  const same = planMdeConsolePush([dir, ext], [dir, ext], [dir, ext]);
  assert.equal(same.changed, false);
  assert.deepEqual([same.add, same.remove, same.foreign, same.missing], [[], [], [], []]);
  const added = planMdeConsolePush([dir, ext, proc], [dir, ext], [dir, ext]);
  assert.deepEqual(added.add, [proc]);
  assert.deepEqual(added.result, [dir, ext, proc]);
  const removed = planMdeConsolePush([dir], [dir, ext], [dir, ext]);
  assert.deepEqual(removed.remove, [ext]);
  assert.deepEqual(removed.result, [dir]);
  // Someone added `file` and deleted `ext` in fleettune's policy by hand.
  const drift = planMdeConsolePush([dir, ext], [dir, file], [dir, ext]);
  assert.deepEqual(drift.foreign, [file]);
  assert.deepEqual(drift.missing, [ext]);
  assert.deepEqual(drift.remove, [], 'an entry fleettune did not write is never removed');
  assert.deepEqual(drift.result, [dir, ext, file]);
});

test('Intune: the policy body carries the template, platform and one exclusions collection that reads back the same', () => {
  for (const platform of ['linux', 'darwin'] as const) {
    const body = intunePolicyCreateBody(platform, 'fleettune: x', 'd', [dir, ext, proc, file]);
    assert.equal(body.platforms, platform === 'linux' ? 'linux' : 'macOS');
    const settings = body.settings as Array<Record<string, unknown>>;
    assert.equal(settings.length, 1);
    const read = readIntuneExclusions(platform, [{ id: '0', ...settings[0] }]);
    assert.deepEqual(read.entries, [dir, ext, proc, file]);
    assert.deepEqual(read.unreadable, []);
    assert.equal(read.settingId, '0');
    // Another platform's ids are not this policy's exclusions.
    assert.deepEqual(readIntuneExclusions(platform === 'linux' ? 'darwin' : 'linux', settings).entries, []);
  }
  assert.deepEqual(intunePolicyCreateBody('linux', 'n', 'd', []).settings, []);
});

test('Intune: unexpected setting shapes are listed as unreadable, never thrown', () => {
  const ids = intuneExclusionIds('linux');
  const hostile: unknown[] = [
    null,
    7,
    'x',
    { settingInstance: { settingDefinitionId: ids.collection } },
    {
      settingInstance: {
        settingDefinitionId: ids.collection,
        groupSettingCollectionValue: [
          null,
          { children: [] },
          { children: [{ settingDefinitionId: ids.type, choiceSettingValue: { value: `${ids.type}_9`, children: [] } }] },
          { children: [{ settingDefinitionId: ids.type, choiceSettingValue: { value: ids.typeOption.excludedPath, children: [] } }] },
        ],
      },
    },
  ];
  const read = readIntuneExclusions('linux', hostile);
  assert.deepEqual(read.entries, []);
  assert.equal(read.unreadable.length, 5);
  assert.match(read.unreadable.join('\n'), /unknown \$type option/);
});

test('Jamf: the profile XML holds a com.microsoft.wdav payload that reads back the same, metadata included', () => {
  const id = {
    name: 'fleettune: Defender <macOS>',
    description: 'managed by fleettune',
    profileUuid: 'A-1',
    payloadUuid: 'B-2',
    identifier: 'com.fleettune.t1',
  };
  const xml = jamfProfileXml(id, [dir, ext, proc, file]);
  const withId = xml.replace('<general>', '<general><id>42</id>');
  const read = readJamfProfile(withId);
  assert.deepEqual(read.entries, [dir, ext, proc, file]);
  assert.deepEqual(read.unreadable, []);
  assert.equal(read.id, 42);
  assert.equal(read.name, id.name);
  const mobileconfig = parsePlist(wdavMobileconfig(id, [dir])) as Record<string, unknown>;
  const payload = (mobileconfig.PayloadContent as Array<Record<string, unknown>>)[0]!;
  assert.equal(payload.PayloadType, 'com.microsoft.wdav');
  assert.deepEqual(
    payload.antivirusEngine,
    Object.assign(Object.create(null), {
      exclusions: [Object.assign(Object.create(null), { $type: 'excludedPath', isDirectory: true, path: dir.path })],
      exclusionsMergePolicy: 'merge',
    }),
  );
  assert.equal(wdavMobileconfig(id, [dir]), wdavMobileconfig(id, [dir]), 'deterministic');
});

test('Jamf: exclusions in an Application & Custom Settings payload are read too; odd entries and broken payloads are named', () => {
  const mcx = plistDocument({
    PayloadContent: [
      {
        PayloadType: 'com.apple.ManagedClient.preferences',
        PayloadContent: {
          'com.microsoft.wdav': {
            Forced: [
              {
                mcx_preference_settings: {
                  antivirusEngine: { exclusions: [{ $type: 'excludedFileExtension', extension: '.iso' }, { $type: 'excludedThing' }, 'x'] },
                },
              },
            ],
          },
        },
      },
    ],
    PayloadType: 'Configuration',
  });
  const profile = (payloads: string) =>
    `<os_x_configuration_profile><general><name>human</name><payloads>${payloads.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</payloads></general></os_x_configuration_profile>`;
  const read = readJamfProfile(profile(mcx));
  assert.deepEqual(read.entries, [{ $type: 'excludedFileExtension', extension: '.iso' }]);
  assert.equal(read.unreadable.length, 2);
  const broken = readJamfProfile(profile('<plist><dict><key>a</key></dict></plist>'));
  assert.match(broken.unreadable[0]!, /not a readable property list/);
  assert.throws(() => readJamfProfile('<html>500</html>'), XmlSyntaxError);
});

test('XML reader refuses DTD internal subsets, bad entities and mismatched tags; reads the profile list', () => {
  assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'), /internal subset/);
  assert.throws(() => parseXml('<x>&foo;</x>'), /unknown entity/);
  assert.throws(() => parseXml('<x><y></x>'), /closes/);
  assert.throws(() => parseXml('<x>a & b</x>'), /bare &/);
  assert.equal(parseXml('<x a="1&amp;2">&#x41;&#66;<![CDATA[<c>]]></x>').text, 'AB<c>');
  assert.deepEqual(
    readJamfProfileList(
      '<?xml version="1.0"?><os_x_configuration_profiles><size>2</size><os_x_configuration_profile><id>1</id><name>a</name></os_x_configuration_profile><os_x_configuration_profile><id>2</id><name>fleettune: b</name></os_x_configuration_profile></os_x_configuration_profiles>',
    ),
    [
      { id: 1, name: 'a' },
      { id: 2, name: 'fleettune: b' },
    ],
  );
});

test('any path survives the round trip through both consoles (property)', () => {
  const arbEntry = fc.oneof(
    fc.record({ $type: fc.constant('excludedPath' as const), path: fc.string({ minLength: 1 }).map((s) => `/${s}`), isDirectory: fc.boolean() }),
    fc.record({ $type: fc.constant('excludedFileExtension' as const), extension: fc.string({ minLength: 1 }).map((s) => `.${s}`) }),
    fc.record({ $type: fc.constant('excludedFileName' as const), name: fc.string({ minLength: 1 }).map((s) => `/${s}`) }),
  );
  fc.assert(
    fc.property(fc.array(arbEntry, { maxLength: 6 }), (raw) => {
      // Only what a console can carry: what mdeConsoleEntries lets through (no control or XML-forbidden characters).
      const entries = raw.filter((e) => !/[\u0000-\u001f\u007f\ufffe\uffff\ud800-\udfff]/.test(mdeEntryKey(e))).map((e) => ({ ...e }));
      const id = { name: 'fleettune: p', description: '', profileUuid: 'u', payloadUuid: 'v', identifier: 'i' };
      assert.deepEqual(readJamfProfile(jamfProfileXml(id, entries)).entries, entries);
      const body = intunePolicyCreateBody('darwin', 'n', '', entries);
      assert.deepEqual(readIntuneExclusions('darwin', JSON.parse(JSON.stringify(body.settings)) as unknown[]).entries, entries);
    }),
  );
});

test('Jamf: rewriting the exclusions keeps every other key and unreadable entry, drops only what keep() refuses, appends the new ones', () => {
  const payloads = plistDocument({
    PayloadContent: [
      {
        PayloadType: 'com.microsoft.wdav',
        PayloadUUID: 'P',
        PayloadIdentifier: 'p',
        antivirusEngine: {
          scanArchives: false,
          exclusions: [{ $type: 'excludedPath', path: '/a', isDirectory: true }, { $type: 'weird' }, { $type: 'excludedFileExtension', extension: '.b' }],
        },
      },
    ],
    PayloadType: 'Configuration',
    PayloadUUID: 'U',
  });
  assert.deepEqual(wdavExclusionsInOrder(payloads), [
    { $type: 'excludedPath', path: '/a', isDirectory: true },
    undefined,
    { $type: 'excludedFileExtension', extension: '.b' },
  ]);
  const out = rewriteWdavExclusions(payloads, (_e, i) => i !== 0, [proc], { uuid: 'N', identifier: 'n' });
  const engine = (parsePlist(out) as { PayloadContent: Array<{ antivirusEngine: { scanArchives: boolean; exclusions: unknown[] } }> }).PayloadContent[0]!
    .antivirusEngine;
  assert.equal(engine.scanArchives, false);
  assert.deepEqual(wdavExclusionsInOrder(out), [undefined, { $type: 'excludedFileExtension', extension: '.b' }, proc]);
  // A profile whose Defender payload was removed by hand gets one back for the new entries.
  const bare = plistDocument({ PayloadContent: [], PayloadType: 'Configuration', PayloadUUID: 'U' });
  const restored = parsePlist(rewriteWdavExclusions(bare, () => true, [ext], { uuid: 'N', identifier: 'n' })) as {
    PayloadContent: Array<{ PayloadType: string; PayloadUUID: string }>;
  };
  assert.deepEqual([restored.PayloadContent[0]!.PayloadType, restored.PayloadContent[0]!.PayloadUUID], ['com.microsoft.wdav', 'N']);
  assert.deepEqual(wdavExclusionsInOrder(plistDocument(restored as never)), [ext]);
});
