import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { replayOnceArgs } from './agent-replay';
import { HubApi } from './hub-api';
import { ONE_MACHINE_FLEET_ENV, throwAwayHubEnv } from './hub-env';
import { HubProcess, REPO, runAgent, startHubProcess } from './hub-process';

// Issue 18: the same real auditd logs (one per simulated host, each with its
// own local user) streamed by real agents to two real hubs: one as before,
// one that requires --redact-users. The recommendations must not change; the
// redacting fleet must leave no user name in the database or the API.
const HOSTS = [
  { hostname: 'web-01', user: 'alice' },
  { hostname: 'web-02', user: 'bob' },
  { hostname: 'build-03', user: 'carol' },
].map((h) => ({ ...h, log: path.join(REPO, `tools/demo/logs/${h.hostname}.audit.log`) }));
const USERS = HOSTS.map((h) => h.user);
const ADMIN = 'e2e-admin-token-0123456789abcdef';
const ENROLL = 'e2e-enroll-secret-0123456789abcdef';

interface Fleet {
  db: TestDatabase;
  hub: HubProcess;
  api: HubApi;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-privacy-'));
let plain: Fleet;
let redacted: Fleet;

async function startFleet(name: string, env: Record<string, string>): Promise<Fleet> {
  const db = await createMigratedTestDatabase(`e2e_${name}`);
  const hub = await startHubProcess(
    throwAwayHubEnv(db.url, `e2e-${name}`, {
      FLEETTUNE_ADMIN_TOKEN: ADMIN,
      FLEETTUNE_ENROLL_SECRET: ENROLL,
      ...ONE_MACHINE_FLEET_ENV,
      FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
      FLEETTUNE_ALERTS_LEARNING_SECONDS: '0',
      FLEETTUNE_ALERTS_BASELINE_SECONDS: '60',
      FLEETTUNE_ALERTS_RECENT_SECONDS: '60',
      ...env,
    }),
  );
  return { db, hub, api: new HubApi(hub.httpUrl, ADMIN) };
}

/** Each simulated host's own account database: root, daemons, the rabbitmq service and its one person. */
function passwdOf(h: (typeof HOSTS)[number]): string {
  const file = path.join(root, `${h.hostname}.passwd`);
  fs.writeFileSync(
    file,
    [
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      'rabbitmq:x:106:109:RabbitMQ messaging server,,,:/var/lib/rabbitmq:/usr/sbin/nologin',
      `${h.user}:x:1001:1001::/home/${h.user}:/bin/sh`,
      '',
    ].join('\n'),
  );
  return file;
}

// The watchdog off: on a loaded machine it may coarsen one run's windows (60 s -> 120 s) and not the
// other's, which changes per-window rates in the evidence these specs compare between the two hubs.
const NO_WATCHDOG = ['--max-cpu-percent', '0', '--max-rss-mb', '0'];

async function replay(f: Fleet, h: (typeof HOSTS)[number], extra: string[], stateDir: string) {
  return runAgent([...replayOnceArgs({ hub: f.hub.grpcAddress, input: h.log, hostname: h.hostname, stateDir }), ...NO_WATCHDOG, ...extra], {
    FLEETTUNE_ACCOUNTS_FILE: passwdOf(h),
    FLEETTUNE_ENROLL_SECRET: ENROLL,
  });
}

const spooledBatches = (stateDir: string) =>
  fs
    .readdirSync(path.join(stateDir, 'spool'))
    .filter((n) => !n.endsWith('.json'))
    .reduce((n, f) => n + fs.statSync(path.join(stateDir, 'spool', f)).size, 0);

/** Waits until the rollup worker has applied every committed batch (the noise API reads rollups). */
async function settled(f: Fleet): Promise<void> {
  let last = '';
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    const now = JSON.stringify(await f.api.get('/api/v1/noise/files?top=1000'));
    if (now === last && now !== '[]') return;
    last = now;
  }
}

type Item = { type: string; value: string; user: string; evidence: Record<string, unknown> } & Record<string, unknown>;

/** An item without its database ids and the host ids it samples (the two hubs number hosts differently). */
function comparable(items: Item[]): unknown[] {
  return items
    .map(({ id: _id, setId: _setId, evidence, ...rest }) => {
      const { sampleHostIds: _s, sampleHostnames: _n, ...ev } = evidence;
      return { ...rest, evidence: ev };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const namesIn = (text: string) => USERS.filter((u) => new RegExp(`\\b${u}\\b`).test(text));

before(async () => {
  plain = await startFleet('privacy_plain', {});
  redacted = await startFleet('privacy_redacted', { FLEETTUNE_REQUIRE_REDACTED_USERS: '1' });
});

after(async () => {
  for (const f of [plain, redacted]) {
    await f?.hub.stop();
    await f?.db.drop();
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test('a hub that requires redaction refuses a plain agent with FAILED_PRECONDITION; the agent keeps its batches', async () => {
  const h = HOSTS[0];
  const stateDir = path.join(root, 'redacted', h.hostname);
  const refused = await replay(redacted, h, [], stateDir);
  assert.notEqual(refused.code, 0, 'the plain agent cannot deliver');
  assert.match(refused.stderr, /FLEETTUNE_REQUIRE_REDACTED_USERS/);
  assert.match(refused.stderr, /--redact-users/);
  assert.match(refused.stderr, /kept in the spool/);
  assert.ok(spooledBatches(stateDir) > 0, 'the refused batches are still spooled');
  const stored = await redacted.api.get<Array<{ path: string }>>('/api/v1/noise/files?top=10');
  assert.deepEqual(stored, [], 'nothing of the refused batches was stored');
  // Restarted in privacy mode on the same state dir: the log is already checkpointed, so what reaches the hub
  // is exactly the spooled (unredacted) batches, redacted on their way out.
  const sent = await replay(redacted, h, ['--redact-users'], stateDir);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stderr, /all batches acknowledged/);
});

test('the same logs with and without --redact-users: equal exclusion sets, alerts and trends', async (t) => {
  for (const h of HOSTS) {
    const r = await replay(plain, h, [], path.join(root, 'plain', h.hostname));
    assert.equal(r.code, 0, r.stderr);
  }
  for (const h of HOSTS.slice(1)) {
    const r = await replay(redacted, h, [], path.join(root, 'redacted', h.hostname));
    assert.notEqual(r.code, 0, 'the hub still requires redaction');
  }
  // FLEETTUNE_REDACT_USERS=1 does what --redact-users does (and delivers the spooled refused batches too).
  for (const h of HOSTS.slice(1)) {
    const r = await runAgent(
      [
        ...replayOnceArgs({ hub: redacted.hub.grpcAddress, input: h.log, hostname: h.hostname, stateDir: path.join(root, 'redacted', h.hostname) }),
        ...NO_WATCHDOG,
      ],
      { FLEETTUNE_ACCOUNTS_FILE: passwdOf(h), FLEETTUNE_REDACT_USERS: '1' },
    );
    assert.equal(r.code, 0, r.stderr);
  }
  await settled(plain);
  await settled(redacted);

  // Same fleet totals: redaction renames, it never loses or doubles a count.
  const total = async (f: Fleet) => (await f.api.get<Array<{ count: number }>>('/api/v1/noise/execs?top=1000')).reduce((n, r) => n + r.count, 0);
  // The noise API reads rollups, which the worker applies shortly after the acks: wait for both fleets.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    if ((await total(redacted)) === (await total(plain))) break;
  }
  assert.equal(await total(redacted), await total(plain));

  const [a, b] = [await plain.api.recomputeExclusions(), await redacted.api.recomputeExclusions()];
  assert.ok(a.items > 3, `the plain fleet got recommendations (${a.items})`);
  const setOf = async (f: Fleet) => (await f.api.get<{ items: Item[] }>('/api/v1/exclusion-sets/latest')).items;
  const [plainItems, redactedItems] = [await setOf(plain), await setOf(redacted)];
  assert.deepEqual(comparable(redactedItems), comparable(plainItems), 'item for item: type, value, user, reason, risk, evidence');
  assert.equal(b.items, a.items);
  assert.ok(redactedItems.some((i) => i.value.startsWith('/home/*/.cache/syncagent')));

  // Trends: the per-user log is one generalized subject under redaction; its points add up to the three per-user ones.
  const trendTotal = async (f: Fleet, subject: string) =>
    (
      await f.api.get<{ points: Array<{ subject?: number }> }>(`/api/v1/noise/trend?kind=file&bucket=minute&subject=${encodeURIComponent(subject)}`)
    ).points.reduce((n, p) => n + (p.subject ?? 0), 0);
  const perUser = await Promise.all(USERS.map((u) => trendTotal(plain, `/home/${u}/.cache/syncagent/sync.log`)));
  assert.ok(
    perUser.every((n) => n > 0),
    `every user's sync.log has a trend: ${perUser}`,
  );
  assert.equal(
    await trendTotal(redacted, '/home/*/.cache/syncagent/sync.log'),
    perUser.reduce((x, y) => x + y, 0),
  );

  // Alerts: the same detection on both fleets gives the same outcome and the same generalized subjects.
  // `now` is put one evaluation window (20 min) past the first minute of the logs, so the first minute is the
  // baseline and the rest is "now".
  const firstMinute = async (f: Fleet) =>
    Math.min(...(await f.api.get<{ points: Array<{ t: string }> }>('/api/v1/noise/trend?kind=exec&bucket=minute')).points.map((p) => Date.parse(p.t)));
  const now = new Date((await firstMinute(plain)) + 21 * 60_000).toISOString();
  assert.equal(await firstMinute(redacted), await firstMinute(plain));
  const detect = async (f: Fleet) => {
    const { jobId } = await f.api.post<{ jobId: string }>('/api/v1/alerts/evaluate', { now });
    for (let i = 0; i < 240; i++) {
      const job = await f.api.get<{ state: string; result?: Record<string, unknown>; failedReason?: string }>(`/api/v1/alerts/jobs/${jobId}`);
      assert.notEqual(job.state, 'failed', job.failedReason);
      if (job.state === 'completed') {
        const alerts = await f.api.get<Array<{ kind: string; subject: string }>>('/api/v1/alerts?limit=5000');
        const { durationMs: _d, ...outcome } = job.result ?? {};
        return { outcome, subjects: alerts.map((x) => `${x.kind} ${x.subject}`).sort() };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`alert job ${jobId} did not finish`);
  };
  const [plainAlerts, redactedAlerts] = [await detect(plain), await detect(redacted)];
  t.diagnostic(`alert detection: ${JSON.stringify(plainAlerts)}`);
  assert.ok(plainAlerts.outcome.skipped === undefined, `the detector evaluated the fleet: ${JSON.stringify(plainAlerts.outcome)}`);
  assert.deepEqual(redactedAlerts, plainAlerts);

  // The dashboard's per-host flag.
  const hosts = async (f: Fleet) =>
    (await f.api.get<Array<{ hostname: string; usersRedacted: boolean }>>('/api/v1/hosts')).map((h) => [h.hostname, h.usersRedacted]);
  assert.deepEqual(await hosts(redacted), [
    ['build-03', true],
    ['web-01', true],
    ['web-02', true],
  ]);
  assert.deepEqual(await hosts(plain), [
    ['build-03', false],
    ['web-01', false],
    ['web-02', false],
  ]);
});

/** Every GET route of the OpenAPI document, path parameters filled from the fleet's own ids. */
async function everyGetResponse(f: Fleet): Promise<Array<{ route: string; status: number; body: string }>> {
  const doc = await f.api.get<{ paths: Record<string, Record<string, unknown>> }>('/api/docs/openapi.json');
  const hosts = await f.api.get<Array<{ id: string }>>('/api/v1/hosts');
  const set = await f.api.get<{ id: string; items: Array<{ id: string }> }>('/api/v1/exclusion-sets/latest');
  const alerts = await f.api.get<Array<{ id: string }>>('/api/v1/alerts');
  const ids: Record<string, string[]> = {
    hosts: hosts.map((h) => h.id),
    'exclusion-sets': [set.id],
    'exclusion-items': set.items.slice(0, 3).map((i) => i.id),
    alerts: alerts.slice(0, 3).map((a) => a.id),
  };
  const out: Array<{ route: string; status: number; body: string }> = [];
  for (const [route, ops] of Object.entries(doc.paths)) {
    if (!('get' in ops) || route.includes('/jobs/') || route.startsWith('/api/docs')) continue;
    const collection = route.split('/').find((seg, i, all) => all[i + 1]?.startsWith('{')) ?? '';
    const fills = route.includes('{') ? (ids[collection] ?? []) : [''];
    const queries = route.endsWith('/export')
      ? ['mdatp-json', 'mdatp-cli', 'mdatp-plist', 'cisco-csv', 'cisco-json', 'auditd-rules'].map((x) => `?format=${x}`)
      : route.includes('/noise') && !route.endsWith('/trend')
        ? ['?top=1000']
        : route.endsWith('/trend')
          ? ['?kind=file', '?kind=exec', '?kind=directory']
          : [''];
    for (const id of fills) {
      for (const q of queries) {
        const url = route.replace(/\{[^}]+\}/, encodeURIComponent(id)) + q;
        const res = await f.api.raw('GET', url);
        out.push({ route: url, status: res.status, body: await res.text() });
      }
    }
  }
  return out;
}

test('with redaction no table and no API response names a recorded user; without it they do', async () => {
  const dump = (f: Fleet) => execFileSync('pg_dump', ['--no-owner', '--data-only', f.db.url], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const plainDump = dump(plain);
  assert.deepEqual(namesIn(plainDump), USERS, 'sanity: the plain fleet stores every user name');
  const redactedDump = dump(redacted);
  assert.ok(redactedDump.includes('/home/*/.cache/syncagent/sync.log'), 'the dump holds the redacted data');
  assert.ok(redactedDump.includes('system:rabbitmq'), 'service accounts keep their name');
  assert.deepEqual(namesIn(redactedDump), [], 'no table of the redacting fleet names a user');

  const responses = await everyGetResponse(redacted);
  assert.ok(responses.length > 20, `swept ${responses.length} responses`);
  const checked = responses.filter((r) => r.status === 200);
  for (const prefix of [
    '/api/v1/hosts',
    '/api/v1/noise/files',
    '/api/v1/noise/trend',
    '/api/v1/exclusion-sets/latest',
    '/api/v1/alerts',
    '/api/v1/cost/fleet',
  ]) {
    assert.ok(
      checked.some((r) => r.route.startsWith(prefix)),
      `${prefix} was answered`,
    );
  }
  for (const r of checked) assert.deepEqual(namesIn(r.body), [], `${r.route} names a user`);
  const plainResponses = await everyGetResponse(plain);
  assert.ok(
    plainResponses.some((r) => namesIn(r.body).length === USERS.length),
    "sanity: the plain fleet's API shows the names",
  );
});
