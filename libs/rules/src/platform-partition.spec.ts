import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recommendExclusions } from './recommend-exclusions';
import { itemPlatforms, itemsForPlatform, recommendExclusionsPerPlatform } from './platform-partition';
import type { FleetActivityRow } from './fleet-activity-row';
import { compareExclusionScope, exclusionScopeOf } from './exclusion-scope-digest';

const W = 20 * 60_000;
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % W);
const MACS = ['mac-1', 'mac-2', 'mac-3'];
const LINUX = ['lin-1', 'lin-2', 'lin-3'];
const USERS = ['alice', 'bob', 'carol'];

function mixedFleet(): FleetActivityRow[] {
  const rows: FleetActivityRow[] = [];
  MACS.forEach((hostId, h) => {
    rows.push({ kind: 'file', path: `/Users/${USERS[h]}/Library/Logs/Acme/acme.log`, user: USERS[h], uid: 501 + h, hostId, windowStartMs: T0, count: 1500 });
    rows.push({ kind: 'exec', path: '/opt/acme/bin/acme-helper', parentPath: '/opt/acme/bin/acmed', user: 'root', hostId, windowStartMs: T0, count: 2500 });
  });
  LINUX.forEach((hostId) => {
    rows.push({ kind: 'file', path: '/var/lib/appd/journal.db', hostId, windowStartMs: T0, count: 1500 });
    rows.push({ kind: 'exec', path: '/opt/acme/bin/acme-helper', parentPath: '/opt/acme/bin/acmed', user: 'root', hostId, windowStartMs: T0, count: 2500 });
  });
  return rows;
}

const hostPlatforms = new Map<string, string>([...MACS.map((h) => [h, 'darwin'] as const), ...LINUX.map((h) => [h, 'linux'] as const)]);

test("per platform: prevalence among the platform's hosts, each item tagged with its platforms, one item for both", () => {
  const { items } = recommendExclusionsPerPlatform(mixedFleet(), { hostPlatforms });
  const by = new Map(items.map((i) => [i.value, i]));
  const mac = by.get('/Users/*/Library/Logs/Acme/acme.log');
  assert.ok(mac, JSON.stringify([...by.keys()]));
  assert.deepEqual([mac.evidence.hosts, mac.evidence.hostsReporting, mac.evidence.prevalence], [3, 3, 1]);
  assert.deepEqual((mac.evidence as { platforms?: string[] }).platforms, ['darwin']);
  const lin = by.get('/var/lib/appd/journal.db');
  assert.deepEqual((lin?.evidence as { platforms?: string[] }).platforms, ['linux']);
  const both = items.filter((i) => i.value === '/opt/acme/bin/acme-helper');
  assert.equal(both.length, 1);
  assert.deepEqual((both[0].evidence as { platforms?: string[] }).platforms, ['darwin', 'linux']);

  // The same rows as one fleet: the Mac log is diluted to 3 of 6 hosts.
  const diluted = recommendExclusions(mixedFleet(), { hostsReporting: 6 }).items.find((i) => i.value === '/Users/*/Library/Logs/Acme/acme.log');
  assert.equal(diluted?.evidence.prevalence, 0.5);

  assert.deepEqual(
    itemsForPlatform(items, 'linux')
      .map((i) => i.value)
      .sort(),
    ['/opt/acme/bin/acme-helper', '/var/lib/appd/journal.db'],
  );
  assert.deepEqual(
    itemsForPlatform(items, 'darwin')
      .map((i) => i.value)
      .sort(),
    ['/Users/*/Library/Logs/Acme/acme.log', '/opt/acme/bin/acme-helper'],
  );
  assert.equal(itemsForPlatform(items, undefined).length, items.length);
});

test("a one-platform fleet gets exactly the engine's set, tagged with that platform", () => {
  const rows = mixedFleet().filter((r) => LINUX.includes(r.hostId));
  const one = recommendExclusionsPerPlatform(rows, { hostPlatforms: new Map(LINUX.map((h) => [h, 'linux'])) });
  const plain = recommendExclusions(rows, { hostsReporting: 3 });
  assert.deepEqual(one.rejected, plain.rejected);
  assert.deepEqual(
    one.items.map((i) => ({ ...i, evidence: { ...i.evidence, platforms: undefined, byPlatform: undefined } })),
    plain.items.map((i) => ({ ...i, evidence: { ...i.evidence, platforms: undefined, byPlatform: undefined } })),
  );
});

test('items stored without platform evidence: told by their path, else both', () => {
  assert.deepEqual(itemPlatforms({ value: '/Users/*/Library/Caches/x' }), ['darwin']);
  assert.deepEqual(itemPlatforms({ value: '/home/*/.cache/x' }), ['linux']);
  assert.deepEqual(itemPlatforms({ value: '.log' }), ['darwin', 'linux']);
  assert.deepEqual(itemPlatforms({ value: '/Users/x', evidence: { platforms: ['linux'] } }), ['linux'], 'evidence wins');
});

test('an approval binds the platform: a Linux-only item that becomes every-platform is widened, the reverse narrowed', () => {
  const row = {
    type: 'path',
    value: '/opt/acme/state.db',
    user: '',
    applyToChildren: false,
    isDirectory: false,
    globalScopeEligible: false,
    risk: { level: 'low', flags: [] },
  };
  const linuxOnly = exclusionScopeOf({ ...row, evidence: { platforms: ['linux'] } });
  const both = exclusionScopeOf({ ...row, evidence: { platforms: ['darwin', 'linux'] } });
  assert.equal(linuxOnly.platform, 'linux');
  assert.equal(both.platform, undefined);
  assert.equal(compareExclusionScope(linuxOnly, both).relation, 'widened');
  assert.equal(compareExclusionScope(both, linuxOnly).relation, 'narrower');
});
