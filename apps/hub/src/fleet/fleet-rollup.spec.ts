import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import { digestToken } from '../auth/token-digest';
import { PrismaService } from '../database/prisma.service';
import { ActivityRollupService } from '../exclusions/activity-rollup.service';
import type { RunningHub } from '../hub-app';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { startTestHub } from '../testing/test-hub';
import type { NoiseQuery } from './noise-rollup.repository';

/**
 * The dashboard's fleet API is served from the rollups the rollup worker
 * maintains; here random batches (with resent duplicates, concurrent
 * ingests, odd paths) go through the real ingest path and every endpoint,
 * under many filter combinations, must equal a direct aggregate over the raw
 * count tables for the same whole hours.
 */

const ADMIN = 'fleet-rollup-spec-admin-token-0000';
const VIEWER = 'fleet-rollup-spec-viewer-token-000';
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);

let db: TestDatabase;
let hub: RunningHub;
let prisma: PrismaService;
let base: string;
const hosts: Array<{ id: string; os: string; hostname: string }> = [];

/** Deterministic PRNG (mulberry32): a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function api(method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function get<T>(path: string): Promise<T> {
  const r = await api('GET', path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

const EXECS = ['/usr/bin/date', '/usr/bin/id', '/opt/app/bin/sync', '/tmp/it\'s "quoted"/x', '/usr/lib/été/run', '/bin/sh'];
const PARENTS = ['', '/usr/sbin/cron', '/opt/app/bin/sync', '/usr/lib/systemd/systemd'];
const LONG = '/var/' + 'd'.repeat(2400) + '/f.log';
const FILES = [
  '/var/log/syslog',
  '/var/log/app/a.log',
  '/home/u1/.cache/c-1.tmp',
  '/home/u2/.cache/c-2.TMP',
  '/x',
  '/etc/passwd',
  '/var/tmp/noext',
  '/srv/data/archive.tar.gz',
  LONG,
];
const KEYS = ['exec', 'buildcache', 'appcache'];
const SYSCALLS = ['execve', 'openat', 'unlinkat'];
const INITIATORS = ['/usr/sbin/sshd', '/usr/bin/sudo', '/opt/app/bin/sync'];

function randomBatch(r: () => number, hostId: string, sequence: number): CountBatch {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const n = (max: number) => Math.floor(r() * max);
  // Windows of 30 s to 20 min starting anywhere in three days: some cross hour boundaries.
  const start = T0 + n(72 * 60) * 60_000 + n(60) * 1000;
  const len = pick([30_000, 60_000, 300_000, 1_200_000]);
  return CountBatch.fromPartial({
    hostId,
    sequence,
    windowStartMs: start,
    windowEndMs: start + len,
    source: pick(['linux-audit', 'fanotify']),
    events: 1,
    execs: Array.from({ length: n(6) }, () => ({ path: pick(EXECS), parentPath: pick(PARENTS), user: pick(['root', 'alice', '']), count: 1 + n(500) })),
    files: Array.from({ length: n(7) }, () => ({ path: pick(FILES), op: pick(['write', 'create']), processPath: pick(EXECS), count: 1 + n(900) })),
    auditKeys: Array.from({ length: n(3) }, () => ({ name: pick(KEYS), count: 1 + n(50) })),
    syscalls: Array.from({ length: n(3) }, () => ({ name: pick(SYSCALLS), count: 1 + n(50) })),
    initiators: Array.from({ length: n(3) }, () => ({ name: pick(INITIATORS), count: 1 + n(50) })),
  });
}

before(
  async () => {
    ({ db, hub } = await startTestHub('fleet_rollup_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_API_REQUESTS_PER_SECOND: '100000' }));
    prisma = hub.app.get(PrismaService);
    base = `http://127.0.0.1:${hub.httpPort}`;
    await prisma.apiToken.create({ data: { name: 'viewer', role: 'viewer', tokenHash: digestToken(VIEWER) } });
    for (let i = 0; i < 9; i++) {
      const h = await prisma.host.create({ data: { hostname: `h-${i}`, os: i % 3 === 0 ? 'darwin' : 'linux' } });
      hosts.push({ id: h.id, os: h.os, hostname: h.hostname });
    }
    const ingest = hub.app.get(BatchIngestService);
    const r = rng(20261124);
    const sent: Array<{ hostId: string; batch: CountBatch }> = [];
    let seq = 1;
    // Rounds of concurrent ingests; the worker loop runs meanwhile, and some rounds resend earlier batches.
    for (let round = 0; round < 8; round++) {
      const jobs: Array<Promise<string>> = [];
      for (let j = 0; j < 25; j++) {
        const h = hosts[Math.floor(r() * hosts.length)];
        const b = randomBatch(r, h.id, seq++);
        sent.push({ hostId: h.id, batch: b });
        jobs.push(ingest.ingest(h.id, b));
      }
      for (let j = 0; j < 5 && sent.length > 30; j++) {
        const old = sent[Math.floor(r() * (sent.length - 25))];
        jobs.push(ingest.ingest(old.hostId, old.batch).then((o) => (assert.equal(o, 'duplicate'), o)));
      }
      await Promise.all(jobs);
      if (round === 3) await hub.app.get(ActivityRollupService).catchUp();
    }
  },
  { timeout: 120_000 },
);

after(async () => {
  await hub?.close();
  await db?.drop();
});

test('PUT /hosts/:id/tags: admin only, validated, audited; GET /hosts shows and filters tags', async () => {
  const [a, b, c] = hosts;
  assert.equal((await api('PUT', `/api/v1/hosts/${a.id}/tags`, { tags: ['prod'] }, VIEWER)).status, 403);
  for (const bad of [
    { tags: ['Prod'] },
    { tags: ['-x'] },
    { tags: ['a b'] },
    { tags: ['x'.repeat(64)] },
    { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
    { tags: 'prod' },
    {},
    { tags: ['ok'], more: 1 },
  ]) {
    assert.equal((await api('PUT', `/api/v1/hosts/${a.id}/tags`, bad)).status, 400, JSON.stringify(bad));
  }
  assert.equal((await api('PUT', '/api/v1/hosts/00000000-0000-4000-8000-000000000000/tags', { tags: ['prod'] })).status, 404);
  const set = await api('PUT', `/api/v1/hosts/${a.id}/tags`, { tags: ['team:web', 'prod', 'prod'] });
  assert.equal(set.status, 200);
  assert.deepEqual((set.body as { tags: string[] }).tags, ['prod', 'team:web']);
  assert.equal((await api('PUT', `/api/v1/hosts/${b.id}/tags`, { tags: ['prod', 'eu-1.a_b'] })).status, 200);
  assert.equal((await api('PUT', `/api/v1/hosts/${c.id}/tags`, { tags: ['x'.repeat(63)] })).status, 200);
  // Tags of hosts 3..5 too, for the noise filters below (one darwin host among them).
  for (const h of hosts.slice(3, 6)) assert.equal((await api('PUT', `/api/v1/hosts/${h.id}/tags`, { tags: ['prod'] })).status, 200);

  const list = await get<Array<{ id: string; tags: string[]; hostname: string }>>('/api/v1/hosts');
  assert.equal(list.length, hosts.length);
  assert.deepEqual(list.find((h) => h.id === b.id)?.tags, ['eu-1.a_b', 'prod']);
  assert.deepEqual(list.find((h) => h.id === hosts[8].id)?.tags, []);
  const prod = await get<Array<{ id: string }>>('/api/v1/hosts?tag=prod');
  assert.deepEqual(prod.map((h) => h.id).sort(), [a.id, b.id, ...hosts.slice(3, 6).map((h) => h.id)].sort());
  assert.equal((await api('GET', '/api/v1/hosts?tag=BAD')).status, 400);
  assert.deepEqual((await get<{ tags: string[] }>(`/api/v1/hosts/${a.id}`)).tags, ['prod', 'team:web']);

  // The contract is in the OpenAPI document.
  const doc = (await (await fetch(`${base}/api/docs/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Array<{ name: string }>;
          requestBody?: { content: Record<string, { schema: { properties: { tags: { maxItems: number; items: { pattern: string } } } } }> };
        }
      >
    >;
  };
  const put = doc.paths['/api/v1/hosts/{id}/tags']?.put;
  assert.ok(put, 'PUT /api/v1/hosts/{id}/tags is documented');
  const tagsSchema = put.requestBody!.content['application/json'].schema.properties.tags;
  assert.equal(tagsSchema.maxItems, 20);
  assert.equal(tagsSchema.items.pattern, '^[a-z0-9][a-z0-9._:-]{0,62}$');
  for (const route of ['/api/v1/hosts', '/api/v1/noise/execs', '/api/v1/noise/trend', '/api/v1/noise/subject', '/api/v1/hosts/{id}/noise']) {
    assert.ok(
      doc.paths[route].get.parameters?.some((p) => p.name === 'tag'),
      `${route} documents ?tag=`,
    );
  }

  const audit = await prisma.auditLogEntry.findMany({ where: { action: 'host.tags' } });
  assert.ok(
    audit.some((e) => e.targetId === a.id && JSON.stringify(e.details).includes('team:web')),
    'the tag write is in the audit log',
  );
  assert.ok(
    audit.some((e) => JSON.stringify(e.details).includes('"outcome":"error"')),
    'refused writes are audited too',
  );
});

// ---- The reference: the raw count tables, aggregated directly (the pre-rollup queries). ----

/** The filters of a noise query (the repository's, without `top`). */
type Filters = Omit<NoiseQuery, 'top'>;

const RAW: Record<string, { table: string; subject: string; where: string; end: string; source: boolean }> = {
  exec: { table: 'exec_counts', subject: 'path', where: '', end: 'window_end', source: true },
  parent: { table: 'exec_counts', subject: 'parent_path', where: "AND parent_path <> ''", end: 'window_end', source: true },
  file: { table: 'file_counts', subject: 'path', where: '', end: 'window_end', source: true },
  directory: { table: 'file_counts', subject: "COALESCE(NULLIF(regexp_replace(path, '/[^/]*$', ''), ''), '/')", where: '', end: 'window_end', source: true },
  extension: {
    table: 'file_counts',
    subject: "lower(substring(path from '\\.([^./]{1,32})$'))",
    where: "AND path ~ '[^/]\\.[^./]{1,32}$'",
    end: 'window_end',
    source: true,
  },
  key: { table: 'audit_key_counts', subject: 'key', where: '', end: 'window_start', source: false },
  syscall: { table: 'syscall_counts', subject: 'syscall', where: '', end: 'window_start', source: false },
  initiator: { table: 'initiator_counts', subject: 'initiator', where: '', end: 'window_start', source: false },
};

/** The raw filter with since/until rounded outward to whole hours (the documented rollup semantics). */
function rawWhere(kind: string, f: Filters, params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const parts: string[] = [];
  if (f.since) parts.push(`AND window_start >= ${p(new Date(Math.floor(f.since.getTime() / HOUR) * HOUR))}`);
  if (f.until) parts.push(`AND window_start < ${p(new Date(Math.ceil(f.until.getTime() / HOUR) * HOUR))}`);
  if (f.hostId) parts.push(`AND host_id = ${p(f.hostId)}::uuid`);
  if (f.os) parts.push(`AND host_id IN (SELECT id FROM hosts WHERE os = ${p(f.os)})`);
  if (f.tag) parts.push(`AND host_id IN (SELECT id FROM hosts WHERE ${p(f.tag)} = ANY(tags))`);
  if (f.source) parts.push(RAW[kind].source ? `AND source = ${p(f.source)}` : 'AND false');
  return parts.join(' ');
}

async function rawTop(kind: string, f: Filters, top: number) {
  const k = RAW[kind];
  const params: unknown[] = [];
  const where = rawWhere(kind, f, params);
  const rows = await prisma.$queryRawUnsafe<Array<{ subject: string; count: bigint; hosts: number; f: Date; l: Date }>>(
    `SELECT subject, SUM(c)::bigint AS count, COUNT(*)::int AS hosts, MIN(f) AS f, MAX(l) AS l FROM (
       SELECT ${k.subject} AS subject, host_id, SUM(count) AS c, MIN(window_start) AS f, MAX(${k.end}) AS l
       FROM ${k.table} WHERE true ${k.where} ${where} GROUP BY 1, 2) x
     GROUP BY subject ORDER BY count DESC, subject ASC LIMIT ${top}`,
    ...params,
  );
  return rows.map((r) => {
    const count = Number(r.count);
    const seconds = Math.max(1, (r.l.getTime() - r.f.getTime()) / 1000);
    return {
      subject: r.subject,
      ...(['exec', 'parent', 'file', 'directory'].includes(kind) ? { path: r.subject } : {}),
      count,
      hosts: r.hosts,
      ratePerSecond: Math.round((count / seconds) * 1000) / 1000,
      firstWindowStart: r.f.toISOString(),
      lastWindowEnd: r.l.toISOString(),
    };
  });
}

async function rawSubject(kind: string, subject: string, f: Filters) {
  const k = RAW[kind];
  const params: unknown[] = [subject];
  const where = rawWhere(kind, f, params);
  const hostsRows = await prisma.$queryRawUnsafe<Array<{ host_id: string; hostname: string; count: bigint }>>(
    `SELECT c.host_id::text AS host_id, h.hostname, SUM(c.count)::bigint AS count
     FROM (SELECT host_id, count FROM ${k.table} WHERE ${k.subject} = $1 ${k.where} ${where}) c JOIN hosts h ON h.id = c.host_id
     GROUP BY 1, 2 ORDER BY count DESC, h.hostname ASC LIMIT 100`,
    ...params,
  );
  const parents =
    kind === 'exec'
      ? await prisma.$queryRawUnsafe<Array<{ parent: string; count: bigint; hosts: number }>>(
          `SELECT parent_path AS parent, SUM(count)::bigint AS count, COUNT(DISTINCT host_id)::int AS hosts
           FROM exec_counts WHERE path = $1 ${where} GROUP BY parent_path ORDER BY count DESC, parent ASC LIMIT 50`,
          ...params,
        )
      : [];
  return {
    hosts: hostsRows.map((h) => ({ hostId: h.host_id, hostname: h.hostname, count: Number(h.count) })),
    parents: parents.map((p) => ({ parent: p.parent, count: Number(p.count), hosts: p.hosts })),
  };
}

async function rawTrend(kind: string, bucket: string, subject: string | undefined, f: Filters) {
  const k = RAW[kind];
  const params: unknown[] = [];
  const where = bucket === 'minute' ? rawWhereExact(kind, f, params) : rawWhere(kind, f, params);
  const s = subject === undefined ? '' : `$${params.push(subject)}`;
  const rows = await prisma.$queryRawUnsafe<Array<{ t: Date; total: bigint; subject?: bigint | null; subject_hosts?: number | null }>>(
    `SELECT date_trunc('${bucket}', window_start) AS t, SUM(count)::bigint AS total
            ${subject === undefined ? '' : `, SUM(count) FILTER (WHERE ${k.subject} = ${s})::bigint AS subject, COUNT(DISTINCT host_id) FILTER (WHERE ${k.subject} = ${s})::int AS subject_hosts`}
     FROM ${k.table} WHERE true ${k.where} ${where} GROUP BY 1 ORDER BY 1`,
    ...params,
  );
  return rows.map((r) => ({
    t: r.t.toISOString(),
    total: Number(r.total),
    ...(subject === undefined ? {} : { subject: Number(r.subject ?? 0), subjectHosts: r.subject_hosts ?? 0 }),
  }));
}

function rawWhereExact(kind: string, f: Filters, params: unknown[]): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const parts: string[] = [];
  if (f.since) parts.push(`AND window_start >= ${p(f.since)}`);
  if (f.until) parts.push(`AND window_start < ${p(f.until)}`);
  return parts.join(' ') + ' ' + rawWhere(kind, { ...f, since: undefined, until: undefined }, params);
}

function qs(f: Filters & Record<string, unknown>): string {
  const parts = Object.entries(f)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v instanceof Date ? v.toISOString() : String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function filterSets(): Filters[] {
  const [a, , , d] = hosts;
  return [
    {},
    { since: new Date(T0 + 5 * HOUR + 17 * 60_000), until: new Date(T0 + 40 * HOUR + 1) },
    { since: new Date(T0 + 24 * HOUR) },
    { until: new Date(T0 + 30 * HOUR - 5 * 60_000) },
    { os: 'darwin' },
    { os: 'linux', source: 'fanotify' },
    { source: 'linux-audit' },
    { hostId: a.id },
    { hostId: d.id, since: new Date(T0 + 10 * HOUR) },
    { tag: 'prod' },
    { tag: 'prod', os: 'darwin' },
    { tag: 'prod', source: 'fanotify', since: new Date(T0 + 12 * HOUR) },
    { tag: 'nobody-has-this' },
    { os: 'solaris' },
  ];
}

const ENDPOINTS: Record<string, string> = {
  exec: 'execs',
  parent: 'parents',
  file: 'files',
  directory: 'directories',
  extension: 'extensions',
  key: 'keys',
  syscall: 'syscalls',
  initiator: 'initiators',
};

test('every noise endpoint equals the raw tables under every filter (after tags are set)', async () => {
  await hub.app.get(ActivityRollupService).catchUp();
  let compared = 0;
  for (const f of filterSets()) {
    for (const [kind, ep] of Object.entries(ENDPOINTS)) {
      for (const top of [1000, 2]) {
        const got = await get<unknown[]>(`/api/v1/noise/${ep}${qs({ top, ...f })}`);
        assert.deepEqual(got, await rawTop(kind, f, top), `${ep} ${JSON.stringify(f)} top ${top}`);
        compared++;
      }
    }
  }
  // Per-host noise is the hostId filter through its own route.
  for (const h of hosts.slice(0, 4)) {
    for (const kind of Object.keys(ENDPOINTS)) {
      const got = await get<unknown[]>(`/api/v1/hosts/${h.id}/noise?kind=${kind}&top=1000`);
      assert.deepEqual(got, await rawTop(kind, { hostId: h.id }, 1000), `host noise ${kind}`);
    }
  }
  const nonEmpty = await get<unknown[]>('/api/v1/noise/extensions?top=1000');
  assert.ok(nonEmpty.length >= 3 && compared > 100);
});

test('drill-down and trends equal the raw tables', async () => {
  await hub.app.get(ActivityRollupService).catchUp();
  const subjects: Array<[string, string]> = [
    ...EXECS.map((s) => ['exec', s] as [string, string]),
    ['parent', '/usr/sbin/cron'],
    ['file', '/var/log/app/a.log'],
    ['file', LONG],
    ['directory', '/home/u1/.cache'],
    ['extension', 'tmp'],
    ['key', 'buildcache'],
    ['syscall', 'openat'],
    ['initiator', '/usr/sbin/sshd'],
    ['exec', '/never/seen'],
  ];
  for (const f of filterSets()) {
    for (const [kind, subject] of subjects) {
      const got = await get<unknown>(`/api/v1/noise/subject${qs({ kind, subject, ...f })}`);
      assert.deepEqual(got, await rawSubject(kind, subject, f), `subject ${kind} ${subject.slice(0, 40)} ${JSON.stringify(f)}`);
    }
    for (const kind of ['exec', 'parent', 'file', 'directory', 'extension', 'key', 'syscall', 'initiator']) {
      for (const bucket of ['hour', 'day', 'minute']) {
        const subject = subjects.find(([k]) => k === kind)?.[1];
        for (const s of [undefined, subject]) {
          const got = await get<{ kind: string; bucket: string; subject: string | null; points: unknown[] }>(
            `/api/v1/noise/trend${qs({ kind, bucket, subject: s, ...f })}`,
          );
          assert.equal(got.bucket, bucket);
          assert.equal(got.subject, s ?? null);
          assert.deepEqual(got.points, await rawTrend(kind, bucket, s, f), `trend ${kind} ${bucket} ${s?.slice(0, 30)} ${JSON.stringify(f)}`);
        }
      }
    }
  }
});

test('the rollups count each batch once: resent batches are no-ops and nothing stays pending', async () => {
  const rollups = hub.app.get(ActivityRollupService);
  await rollups.catchUp();
  const [{ pending }] = await prisma.$queryRaw<Array<{ pending: number }>>`SELECT count(*)::int AS pending FROM rollup_pending`;
  assert.equal(pending, 0);
  const [{ raw, fleet, host }] = await prisma.$queryRaw<Array<{ raw: bigint; fleet: bigint; host: bigint }>>`
    SELECT (SELECT SUM(count) FROM exec_counts)::bigint AS raw,
           (SELECT SUM(count) FROM noise_fleet_hours WHERE kind = 'exec')::bigint AS fleet,
           (SELECT SUM(count) FROM noise_host_hours WHERE kind = 'exec')::bigint AS host`;
  assert.ok(raw > 0n);
  assert.equal(fleet, raw);
  assert.equal(host, raw);
  // A resend after catch-up changes nothing.
  const [row] = await prisma.$queryRaw<Array<{ host_id: string; sequence: bigint }>>`SELECT host_id::text, sequence FROM ingest_batches LIMIT 1`;
  const dup = CountBatch.fromPartial({
    hostId: row.host_id,
    sequence: Number(row.sequence),
    windowStartMs: T0,
    windowEndMs: T0 + 60_000,
    source: 'linux-audit',
    events: 1,
    execs: [{ path: '/usr/bin/date', parentPath: '', user: 'root', count: 999_999 }],
  });
  assert.equal(await hub.app.get(BatchIngestService).ingest(row.host_id, dup), 'duplicate');
  assert.equal(await rollups.catchUp(), 0);
  const [{ after }] = await prisma.$queryRaw<Array<{ after: bigint }>>`SELECT SUM(count)::bigint AS after FROM noise_fleet_hours WHERE kind = 'exec'`;
  assert.equal(after, raw);
  // The worker loop applies new batches by itself (no catchUp): within a few polls.
  const fresh = CountBatch.fromPartial({
    hostId: hosts[0].id,
    sequence: 9_000_000,
    windowStartMs: T0,
    windowEndMs: T0 + 60_000,
    source: 'linux-audit',
    events: 1,
    execs: [{ path: '/usr/bin/loop-check', parentPath: '', user: 'root', count: 7 }],
  });
  assert.equal(await hub.app.get(BatchIngestService).ingest(hosts[0].id, fresh), 'committed');
  const deadline = Date.now() + 15_000;
  let seen = false;
  while (Date.now() < deadline && !seen) {
    await new Promise((r) => setTimeout(r, 100));
    seen = (await get<Array<{ subject: string; count: number }>>('/api/v1/noise/execs?top=1000')).some(
      (r) => r.subject === '/usr/bin/loop-check' && r.count === 7,
    );
  }
  assert.ok(seen, 'the worker loop rolled the new batch up');
  // The lag gauge is exported.
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^fleettune_rollup_lag_seconds 0$/m);
  assert.match(metrics, /^fleettune_rollup_pending_batches 0$/m);
  assert.match(metrics, /^fleettune_rollup_batches_total \d+$/m);
});

test("the exclusion engine's rollup (activity_rollups) equals its definition over the raw tables: counts and peak rates", async () => {
  await hub.app.get(ActivityRollupService).catchUp();
  const diff = async (a: string, b: string) =>
    (await prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ((${a}) EXCEPT ALL (${b})) d`))[0].n;
  const reference = `
    WITH raw AS (
      SELECT CASE WHEN source = 'mdatp-rtp' THEN 'scan' ELSE 'exec' END AS kind, path,
             CASE WHEN source = 'mdatp-rtp' THEN '' ELSE parent_path END AS parent_path,
             CASE WHEN source = 'mdatp-rtp' THEN '' ELSE "user" END AS usr, host_id, sequence, window_start, window_end, count FROM exec_counts
      UNION ALL SELECT 'file', path, '', '', host_id, sequence, window_start, window_end, count FROM file_counts
      UNION ALL SELECT 'audit-exe', path, '', '', host_id, sequence, window_start, window_end, count FROM exec_counts WHERE source = 'linux-audit'
      UNION ALL SELECT 'audit-exe', process_path, '', '', host_id, sequence, window_start, window_end, count FROM file_counts
      WHERE source = 'linux-audit' AND process_path <> ''
      -- audit-dir keeps the initiator as its parent (issue 19: auditd's -x form needs it).
      UNION ALL SELECT 'audit-dir', CASE WHEN strpos(path, '/') = 1 THEN COALESCE(NULLIF(regexp_replace(path, '/[^/]*$', ''), ''), '/') ELSE path END,
             process_path, '', host_id, sequence, window_start, window_end, count FROM file_counts WHERE source = 'linux-audit'
    ), pb AS (
      SELECT kind, path, parent_path, usr, host_id, sequence, floor(extract(epoch FROM window_start) / 1200)::int AS bin,
             GREATEST(1, round(extract(epoch FROM window_end - window_start)))::int AS secs, SUM(count) AS cnt
      FROM raw WHERE path <> '' AND count > 0 AND octet_length(path) + octet_length(parent_path) <= 2000
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    )
    SELECT kind, path, parent_path, usr, host_id, bin, SUM(cnt)::bigint AS count, MAX(cnt::float8 / secs) AS peak_rate
    FROM pb GROUP BY 1, 2, 3, 4, 5, 6`;
  const rolled = `
    SELECT s.kind, s.path, s.parent_path, s."user", h.host_id, r.bin, r.count, r.peak_count::float8 / r.peak_window_seconds
    FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id JOIN rollup_hosts h ON h.seq = r.host_seq`;
  const [{ n }] = await prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM (${rolled}) x`);
  assert.ok(n > 50);
  assert.equal(await diff(reference, rolled), 0);
  assert.equal(await diff(rolled, reference), 0);
});
