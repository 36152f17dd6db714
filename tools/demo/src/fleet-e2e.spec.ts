import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { referenceExecCounts } from './aureport-reference';
import { replayOnceArgs } from './agent-replay';
import { HubApi } from './hub-api';
import { ONE_MACHINE_FLEET_ENV, throwAwayHubEnv } from './hub-env';
import { HubProcess, REPO, runAgent, startHubProcess } from './hub-process';

// Two simulated hosts, each a real auditd log recorded with its own local
// user (alice on web-01, bob on web-02).
const HOSTS = [
  { hostname: 'web-01', log: path.join(REPO, 'tools/demo/logs/web-01.audit.log'), user: 'alice' },
  { hostname: 'web-02', log: path.join(REPO, 'tools/demo/logs/web-02.audit.log'), user: 'bob' },
];
const ADMIN = 'e2e-admin-token-0123456789abcdef';
const ENROLL = 'e2e-enroll-secret-0123456789abcdef';

let db: TestDatabase;
let hub: HubProcess;
let api: HubApi;
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-e2e-'));

before(async () => {
  db = await createMigratedTestDatabase('e2e_fleet');
  hub = await startHubProcess(throwAwayHubEnv(db.url, 'e2e', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL, ...ONE_MACHINE_FLEET_ENV }));
  api = new HubApi(hub.httpUrl, ADMIN);
});

after(async () => {
  await hub?.stop();
  await db?.drop();
  fs.rmSync(stateRoot, { recursive: true, force: true });
});

async function replay(h: (typeof HOSTS)[number], stateDir = path.join(stateRoot, h.hostname)): Promise<void> {
  const res = await runAgent(replayOnceArgs({ hub: hub.grpcAddress, input: h.log, hostname: h.hostname, stateDir }), { FLEETTUNE_ENROLL_SECRET: ENROLL });
  assert.equal(res.code, 0, `agent ${h.hostname} failed: ${res.stderr}`);
}

type Noise = Array<{ path: string; count: number; hosts: number }>;

function expectedFleetExecs(): Map<string, { count: number; hosts: number }> {
  const fleet = new Map<string, { count: number; hosts: number }>();
  for (const h of HOSTS) {
    for (const [p, n] of referenceExecCounts(h.log).counts) {
      const cur = fleet.get(p) ?? { count: 0, hosts: 0 };
      fleet.set(p, { count: cur.count + n, hosts: cur.hosts + 1 });
    }
  }
  return fleet;
}

async function actualFleetExecs(): Promise<Map<string, { count: number; hosts: number }>> {
  const rows = await api.get<Noise>('/api/v1/noise/execs?top=1000');
  return new Map(rows.map((r) => [r.path, { count: r.count, hosts: r.hosts }]));
}

test('two agents stream real audit logs; fleet exec totals equal aureport summed over the hosts', async () => {
  for (const h of HOSTS) await replay(h);
  const hosts = await api.get<Array<{ hostname: string }>>('/api/v1/hosts');
  assert.deepEqual(hosts.map((h) => h.hostname).sort(), ['web-01', 'web-02']);
  const expected = expectedFleetExecs();
  assert.ok(expected.size > 5, 'the reference found execs');
  // The noise API reads the rollups, which the hub's rollup worker applies shortly after the acks.
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (JSON.stringify([...(await actualFleetExecs())].sort()) === JSON.stringify([...expected].sort())) break;
  }
  assert.deepEqual(await actualFleetExecs(), expected);
});

test('sending the same logs again changes no total', async () => {
  const before = await actualFleetExecs();
  // Same state dir: the checkpoint says the log was already counted.
  for (const h of HOSTS) await replay(h);
  // Lost acks: the spool forgets what the hub acknowledged and resends every
  // batch; the hub must see them all as duplicates.
  for (const h of HOSTS) {
    const spoolDir = path.join(stateRoot, h.hostname, 'spool');
    fs.rmSync(path.join(spoolDir, 'acked.json'));
  }
  for (const h of HOSTS) await replay(h);
  assert.deepEqual(await actualFleetExecs(), before);
  const files = await api.get<Noise>('/api/v1/noise/files?top=5');
  const syncLogs = files.filter((f) => f.path.endsWith('/.cache/syncagent/sync.log'));
  assert.equal(syncLogs.length, 2, 'one sync.log per host');
});

test('the exclusion job recommends the noisy per-user log, generalized, and the export names no user', async () => {
  const result = await api.recomputeExclusions();
  assert.ok(result.items > 0, 'the job produced recommendations');
  const set = await api.get<{ id: string; items: Array<{ type: string; value: string; user: string; evidence: { hosts: number } }> }>(
    '/api/v1/exclusion-sets/latest',
  );
  const values = set.items.map((i) => i.value);
  assert.ok(
    values.some((v) => v.startsWith('/home/*/.cache/syncagent')),
    `expected a /home/*/.cache/syncagent recommendation, got ${JSON.stringify(values)}`,
  );
  // The burst of /usr/bin/date and /usr/bin/id under the sync agent: the parent, with its children, never the utilities.
  const agent = set.items.find((i) => i.value === '/opt/syncagent/bin/syncagent' && i.type === 'process') as { applyToChildren?: boolean } | undefined;
  assert.equal(agent?.applyToChildren, true, `expected the sync agent with apply-to-children, got ${JSON.stringify(values)}`);
  assert.ok(!values.includes('/usr/bin/date') && !values.includes('/usr/bin/id'));
  // Per-user build cache outside home: the user segment generalized, not refused.
  assert.ok(values.includes('/var/tmp/buildcache/*/chunk-*.tmp'), `expected the build cache wildcard, got ${JSON.stringify(values)}`);
  const diff = await api.get<{ added: Array<{ value: string }> }>(`/api/v1/exclusion-sets/${set.id}/diff`);
  assert.ok(diff.added.some((a) => a.value === '/opt/syncagent/bin/syncagent'));
  // Nothing is approved in this run: exports are approved-only by default, so the whole unreviewed set (include=all) is checked.
  const res = await api.raw('GET', `/api/v1/exclusion-sets/${set.id}/export?format=mdatp-json&include=all`);
  assert.equal(res.status, 200);
  const body = await res.text();
  const doc = JSON.parse(body) as { exclusionSettings: { exclusions: Array<Record<string, unknown>> } };
  assert.ok(doc.exclusionSettings.exclusions.length > 0);
  for (const h of HOSTS) {
    assert.ok(!body.includes(h.user), `export must not name ${h.user}`);
    assert.ok(!JSON.stringify(set).includes(h.user), `recommendations must not name ${h.user}`);
  }
  // auditd: the sync agent initiates most audit records (its chunk and log writes): an audit-exe item, written as an exe= rule.
  assert.ok(
    set.items.some((i) => i.type === 'audit-exe' && i.value === '/opt/syncagent/bin/syncagent'),
    `expected the audit initiator, got ${JSON.stringify(set.items.map((i) => [i.type, i.value]))}`,
  );
  // Nothing from the deny-list, whatever the type (utilities, shells, interpreters, broad folders).
  const denied = [
    '/usr/bin/date',
    '/usr/bin/id',
    '/usr/bin/rm',
    '/usr/bin/cat',
    '/usr/bin/node',
    '/bin/sh',
    '/usr/bin/sh',
    '/',
    '/tmp',
    '/var/tmp',
    '/usr/bin',
    '/home',
  ];
  for (const i of set.items) assert.ok(!denied.includes(i.value), `${i.type} ${i.value} is on the deny-list`);
  // Every export format, not only MDE's, is free of user names.
  for (const format of ['mdatp-json', 'mdatp-cli', 'mdatp-plist', 'cisco-csv', 'cisco-json', 'auditd-rules']) {
    const r = await api.raw('GET', `/api/v1/exclusion-sets/${set.id}/export?format=${format}&include=all`);
    assert.equal(r.status, 200, format);
    const text = await r.text();
    for (const h of HOSTS) assert.ok(!text.includes(h.user), `${format} export must not name ${h.user}`);
    if (format === 'auditd-rules') assert.match(text, /^-A never,exit -F exe=\/opt\/syncagent\/bin\/syncagent$/m);
  }
});

test('the REST API refuses missing and wrong tokens', async () => {
  assert.equal((await fetch(`${hub.httpUrl}/api/v1/hosts`)).status, 401);
  assert.equal((await api.raw('GET', '/api/v1/hosts', 'not-a-token')).status, 401);
  assert.equal((await fetch(`${hub.httpUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${hub.httpUrl}/readyz`)).status, 200);
});
