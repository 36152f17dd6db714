import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostEnrollment, hostIndependenceKeys } from './host-independence';
import { FleetActivityRow } from './fleet-activity-row';
import { recommendExclusions } from './recommend-exclusions';
import { recommendWithHostSuggestions } from './host-scoped-suggestions';

const T = Date.UTC(2026, 10, 1, 12, 0, 0);
const ON = { enrollBurstSeconds: 60, countSharedPeerOnce: true };
const host = (hostId: string, secret: string | null, atS: number | null, peer: string | null): HostEnrollment => ({
  hostId,
  enrollmentSecretId: secret,
  enrolledAtMs: atS === null ? null : T + atS * 1000,
  peerAddress: peer,
});
const groups = (keys: Map<string, string>) => {
  const by = new Map<string, string[]>();
  for (const [h, k] of keys) by.set(k, [...(by.get(k) ?? []), h]);
  return [...by.values()].map((g) => g.sort().join(',')).sort();
};

test('hosts enrolled in one burst from one secret count once; the next burst is another witness', () => {
  const hosts = [
    host('a', 's1', 0, '10.0.0.1'),
    host('b', 's1', 5, '10.0.0.2'),
    host('c', 's1', 59, '10.0.0.3'),
    host('d', 's1', 61, '10.0.0.4'),
    host('e', 's2', 1, '10.0.0.5'),
  ];
  assert.deepEqual(groups(hostIndependenceKeys(hosts, ON)), ['a,b,c', 'd', 'e']);
});

test('bursts are anchored, not chained: a steady rollout from one secret is many witnesses', () => {
  // One host every 30 s for 5 minutes: chaining would make it one witness.
  const hosts = Array.from({ length: 10 }, (_, i) => host(`h${i}`, 's1', i * 30, `10.0.1.${i}`));
  assert.equal(groups(hostIndependenceKeys(hosts, ON)).length, 5);
});

test('hosts that enrolled from one peer address count once; settings turn each rule off', () => {
  const hosts = [host('a', 's1', 0, '203.0.113.9'), host('b', 's2', 3600, '203.0.113.9'), host('c', 's3', 7200, '198.51.100.1'), host('old', null, null, null)];
  assert.deepEqual(groups(hostIndependenceKeys(hosts, ON)), ['a,b', 'c', 'old']);
  assert.deepEqual(groups(hostIndependenceKeys(hosts, { ...ON, countSharedPeerOnce: false })), ['a', 'b', 'c', 'old']);
  const burst = [host('x', 's1', 0, '10.0.0.1'), host('y', 's1', 1, '10.0.0.2')];
  assert.deepEqual(groups(hostIndependenceKeys(burst, { ...ON, enrollBurstSeconds: 0 })), ['x', 'y']);
});

const exec = (hostId: string, path: string, count = 5000): FleetActivityRow => ({
  kind: 'exec',
  path,
  parentPath: '/opt/acme/bin/acmed',
  user: 'root',
  hostId,
  windowStartMs: T,
  count,
});

test('sybils from one burst do not pass the fleet bar; two independent hosts do', () => {
  const rows = ['s1', 's2', 's3'].map((h) => exec(h, '/opt/.x/implantd'));
  const sybils = hostIndependenceKeys([host('s1', 'k', 0, '10.9.0.1'), host('s2', 'k', 1, '10.9.0.2'), host('s3', 'k', 2, '10.9.0.3')], ON);
  const blocked = recommendExclusions(rows, { hostsReporting: 10, independenceKeys: sybils });
  assert.deepEqual(blocked.items, []);
  const independent = hostIndependenceKeys([host('s1', 'k', 0, '10.9.0.1'), host('s2', 'k', 600, '10.9.0.2'), host('s3', 'k', 1200, '10.9.0.3')], ON);
  const passed = recommendExclusions(rows, { hostsReporting: 10, independenceKeys: independent });
  assert.deepEqual(
    passed.items.map((i) => [i.value, i.evidence.hosts, i.evidence.independentHosts]),
    [['/opt/.x/implantd', 3, undefined]],
  );
  const sameBurstPlusOne = new Map([...sybils, ['s3', 's3']]);
  const two = recommendExclusions(rows, { hostsReporting: 10, independenceKeys: sameBurstPlusOne });
  assert.deepEqual(
    two.items.map((i) => [i.evidence.hosts, i.evidence.independentHosts]),
    [[3, 2]],
  );
});

test("review: one host's noise (process /opt/.x/implantd) is a host-scoped suggestion: marked, never fleet-wide, never low", () => {
  const rows = [exec('h-evil', '/opt/.x/implantd', 50_000), exec('h-good', '/opt/ok/bin/ok', 1)];
  const r = recommendWithHostSuggestions(rows, { hostsReporting: 2 });
  assert.ok(!r.items.some((i) => i.value === '/opt/.x/implantd'));
  const s = r.suggestions.find((x) => x.value === '/opt/.x/implantd');
  assert.ok(s, JSON.stringify(r.suggestions));
  assert.equal(s.scope, 'host');
  assert.deepEqual(s.hostIds, ['h-evil']);
  assert.notEqual(s.risk.level, 'low');
  assert.ok(s.risk.flags.includes('few-hosts') && !s.risk.flags.includes('global-scope'));
  assert.equal(s.globalScopeEligible, false);
  assert.match(s.whyNotFleet, /1 independent host; fleet items need 2/);
  // Sybils of one burst: still only a suggestion, and it says why.
  const sybilRows = ['a', 'b', 'c'].map((h) => exec(h, '/opt/.x/implantd'));
  const keys = hostIndependenceKeys(
    ['a', 'b', 'c'].map((h, i) => host(h, 'k', i, `10.0.0.${i}`)),
    ON,
  );
  const sy = recommendWithHostSuggestions(sybilRows, { hostsReporting: 3, independenceKeys: keys });
  assert.deepEqual(sy.items, []);
  assert.match(sy.suggestions[0]?.whyNotFleet ?? '', /3 hosts enrolled together or from one address/);
  // Refusals hold for suggestions too: a shell is never suggested.
  const shell = recommendWithHostSuggestions([{ ...exec('h1', '/bin/bash'), parentPath: '' }], { hostsReporting: 1 });
  assert.deepEqual(shell.suggestions, []);
});
