import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINUX_SYSTEM_UID_MAX, UserPathRedactor } from '@fleettune/paths';
import { recommendExclusions } from './recommend-exclusions';
import { FleetActivityRow } from './fleet-activity-row';
import { UserScopeClassifier } from './user-scope-classifier';

const W = 20 * 60_000;
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % W);
const fleet = [
  { hostId: 'h1', user: 'alice' },
  { hostId: 'h2', user: 'bob' },
  { hostId: 'h3', user: 'carol' },
];

/** One fleet as three hosts would report it, each with its own person, root and a service account. */
function rows(): FleetActivityRow[] {
  const out: FleetActivityRow[] = [];
  for (const { hostId, user } of fleet) {
    const at = (r: Omit<FleetActivityRow, 'hostId' | 'windowStartMs'>) => out.push({ ...r, hostId, windowStartMs: T0 });
    at({ kind: 'file', path: `/home/${user}/.cache/syncagent/sync.log`, count: 3000 });
    for (let c = 1; c <= 40; c++) at({ kind: 'file', path: `/var/tmp/buildcache/${user}/chunk-${c}.tmp`, count: 80 });
    at({ kind: 'exec', path: '/usr/bin/date', parentPath: '/opt/syncagent/bin/syncagent', user, count: 4000 });
    at({ kind: 'exec', path: '/opt/syncagent/bin/syncagent', parentPath: '/usr/sbin/cron', user, count: 2000 });
    at({ kind: 'exec', path: '/usr/local/bin/backupd', parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 5000 });
    at({ kind: 'exec', path: '/usr/lib/erlang/erts/bin/inet_gethost', parentPath: '/usr/lib/erlang/erts/bin/beam.smp', user: 'www-data', count: 3000 });
    at({ kind: 'audit-exe', path: '/opt/syncagent/bin/syncagent', count: 9000 });
    at({ kind: 'audit-path', path: `/home/${user}/.cache/syncagent/sync.log`, count: 9000 });
  }
  return out;
}

/** The same rows as an agent with --redact-users sends them. */
function redacted(input: FleetActivityRow[]): FleetActivityRow[] {
  const passwd = (user: string) => [
    { name: 'root', uid: 0 },
    { name: 'www-data', uid: 33, shell: '/usr/sbin/nologin' },
    { name: user, uid: 1001, home: `/home/${user}`, shell: '/bin/bash' },
  ];
  return input.map((r) => {
    const redactor = new UserPathRedactor(passwd(fleet.find((h) => h.hostId === r.hostId)!.user), LINUX_SYSTEM_UID_MAX);
    return {
      ...r,
      path: redactor.redactPath(r.path),
      ...(r.parentPath !== undefined ? { parentPath: redactor.redactPath(r.parentPath) } : {}),
      ...(r.user !== undefined ? { user: redactor.userClass(r.user) } : {}),
    };
  });
}

const comparable = (res: ReturnType<typeof recommendExclusions>) => res.items.map((i) => ({ ...i, evidence: { ...i.evidence, sampleHostIds: [] } }));

test('redacted input (local, system:<name>, /home/*/) gives the same items, users and evidence', () => {
  const plain = recommendExclusions(rows(), { hostsReporting: 3 });
  const red = recommendExclusions(redacted(rows()), { hostsReporting: 3 });
  assert.ok(plain.items.length >= 4, `expected recommendations, got ${JSON.stringify(plain.items.map((i) => i.value))}`);
  assert.deepEqual(comparable(red), comparable(plain));
  const values = red.items.map((i) => `${i.type} ${i.value} ${i.user}`);
  // `local` is a class, never a name to hide: /usr/local survives.
  assert.ok(values.includes('process /usr/local/bin/backupd root'), values.join('\n'));
  assert.ok(values.includes('process /usr/lib/erlang/erts/bin/inet_gethost www-data'), values.join('\n'));
  assert.ok(
    values.some((v) => v.startsWith('wildcard /home/*/.cache/syncagent')),
    values.join('\n'),
  );
  assert.ok(!JSON.stringify(red).match(/alice|bob|carol|system:/));
});

test('the classifier reads the classes a redacting agent sends', () => {
  const c = new UserScopeClassifier([], 500);
  assert.equal(c.classify('system:root'), 'root');
  assert.equal(c.scopeFor('system:root'), 'root');
  assert.equal(c.classify('system:rabbitmq'), 'system');
  assert.equal(c.scopeFor('system:rabbitmq'), 'rabbitmq', 'the agent saw a service account: the User field keeps it');
  assert.equal(c.classify('system:998'), 'system');
  assert.equal(c.scopeFor('system:998'), '', 'a bare uid cannot be a Cisco User');
  assert.equal(c.classify('local'), 'local');
  assert.equal(c.scopeFor('local'), '');
});
