import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { AgentServiceClient } from '@fleettune/proto';
import { credentials } from '@grpc/grpc-js';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import { ActivityRollupService } from '../exclusions/activity-rollup.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { enrollAgent, execAndFileBatch } from '../testing/agent-enroll';
import { uploadBatches } from '../testing/agent-upload';
import { collectEscapedErrors } from './escaped-errors';
import { INVALID_UTF8, deepJson, hostileJson, hostileString, longString } from './hostile-values';
import { ApiOperation, operationsOf } from './openapi-operations';
import { RawResponse, percentEncode, rawRequest } from './raw-http';

/**
 * Every REST operation of the hub's OpenAPI document gets hostile path
 * params, query strings and bodies as admin, viewer, a forged token and no
 * token. Whatever comes in: no 5xx, the hub keeps running, errors have the
 * one error shape, and a refused write leaves the database as it was.
 */

const ADMIN = 'rest-fuzz-admin-token-0123456789abcdef';
const ENROLL = 'rest-fuzz-enroll-secret-0123456789';
const RUNS = Number(process.env.FLEETTUNE_FUZZ_RUNS ?? 12);
// Starting background jobs is what these routes do; their writes land later, not in the request.
const STARTS_JOBS = /recompute|evaluate|\/push$|redeliver/;

let db: TestDatabase;
let hub: RunningHub;
let prisma: PrismaService;
let viewer: string;
const knownIds: string[] = [];
const escaped = collectEscapedErrors();

before(async () => {
  ({ db, hub } = await startTestHub('rest_fuzz_spec', {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_API_REQUESTS_PER_SECOND: '1000000',
    FLEETTUNE_API_ANONYMOUS_REQUESTS_PER_SECOND: '1000000',
  }));
  prisma = hub.app.get(PrismaService);
  knownIds.push(await seedHost());
  // Roll the seeded batch up now: the rollup worker must not change tables between two fingerprints.
  await hub.app.get(ActivityRollupService).catchUp();
  const created = await rawRequest(hub.httpPort, {
    method: 'POST',
    path: '/api/v1/tokens',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ name: 'fuzz viewer', role: 'viewer' })),
  });
  const t = JSON.parse(created.body.toString()) as { id: string; token: string };
  viewer = t.token;
  knownIds.push(t.id);
});

after(async () => {
  await hub?.close();
  await db?.drop();
});

/** One enrolled host with counts, so lookups by a real id reach the code behind them. */
async function seedHost(): Promise<string> {
  const client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, credentials.createInsecure());
  try {
    const { agentToken, hostId } = await enrollAgent(client, { enrollSecret: ENROLL, hostname: 'fuzz-host', agentVersion: 'fuzz', machineId: 'm-fuzz' });
    await uploadBatches(client, agentToken, [execAndFileBatch(hostId, 1, Date.now() - 3_600_000)]);
    return hostId;
  } finally {
    client.close();
  }
}

/** A digest of every table but the audit log (which records refused writes on purpose). */
async function dbFingerprint(): Promise<string> {
  const tables = await prisma.$queryRawUnsafe<Array<{ t: string }>>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\\_prisma%' AND tablename NOT LIKE '%audit%' ORDER BY 1",
  );
  const parts: string[] = [];
  for (const { t } of tables) {
    const [row] = await prisma.$queryRawUnsafe<Array<{ d: string | null }>>(`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM "${t}" x`);
    parts.push(`${t}:${row.d ?? ''}`);
  }
  return parts.join(',');
}

type Who = 'admin' | 'viewer' | 'forged' | 'none' | 'malformed';

interface FuzzRequest {
  who: Who;
  path: string;
  contentType: string | null;
  body: Buffer | null;
  /** What the body is, for the failure message. */
  bodyKind: string;
}

const encoded = (s: string) => percentEncode(Buffer.from(s, 'utf8'));

/** A path or query value: hostile text, invalid UTF-8 bytes, or a real id. */
const urlValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileString(2048).map(encoded) },
  { weight: 2, arbitrary: fc.constantFrom(...INVALID_UTF8).map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%G1', '%2', '%%', '%E2%82') },
  { weight: 2, arbitrary: fc.uuid().map(encoded) },
  { weight: 2, arbitrary: fc.constant(null).map(() => encoded(knownIds[0] ?? 'x')) },
);

const jsonBytes = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');

function bodyArb(op: ApiOperation): fc.Arbitrary<{ body: Buffer | null; kind: string }> {
  const fields = op.bodyFields?.length ? op.bodyFields : ['name', 'id'];
  const fieldArb = fc.constantFrom(...fields, '__proto__', 'constructor', 'extra');
  return fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fieldArb, hostileJson(8192), { maxKeys: fields.length + 1 }).map((o) => ({ body: jsonBytes(o), kind: 'fields' })) },
    { weight: 2, arbitrary: hostileJson().map((v) => ({ body: jsonBytes(v), kind: 'whole body' })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...INVALID_UTF8)).map(([f, bad]) => ({
        body: Buffer.concat([Buffer.from(`{"${f}":"x`), bad, Buffer.from('y"}')]),
        kind: `invalid UTF-8 in ${f}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{"name":', 'name=x&role=admin', '\u0000', '{"a":1}{"b":2}', '[').map((t) => ({ body: Buffer.from(t), kind: 'not JSON' })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(100, 5_000, 100_000), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => ({
        body: Buffer.from(deepJson(d, k)),
        kind: `${k} nested ${d} deep`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...fields).map((f) => ({ body: jsonBytes({ [f]: longString(1 << 20) }), kind: `1 MB ${f}` })),
    },
    { weight: 1, arbitrary: fc.constant({ body: null, kind: 'no body' }) },
  );
}

function requestArb(op: ApiOperation): fc.Arbitrary<FuzzRequest> {
  const queryNames = fc.constantFrom(...op.queryParams, 'limit', 'cursor', 'a[b]', '__proto__[x]', 'x'.repeat(300), '');
  const query = fc.array(fc.tuple(queryNames, urlValue), { maxLength: 4 });
  const params = fc.tuple(...op.pathParams.map(() => urlValue));
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  const body = hasBody ? bodyArb(op) : fc.constant({ body: null, kind: 'none' });
  return fc
    .record({
      who: fc.constantFrom<Who>('admin', 'admin', 'viewer', 'forged', 'none', 'malformed'),
      params,
      query,
      body,
      contentType: fc.constantFrom<string | null>(
        'application/json',
        'application/json',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        null,
      ),
    })
    .map((r) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => r.params[i++] ?? 'x');
      const qs = r.query.map(([k, v]) => `${encoded(k)}=${v}`).join('&');
      return { who: r.who, path: qs ? `${path}?${qs}` : path, contentType: r.body.body ? r.contentType : null, body: r.body.body, bodyKind: r.body.kind };
    });
}

const MALFORMED_AUTH = [
  `Bearer ${'x'.repeat(600)}`,
  `Bearer ${ADMIN} extra`,
  `Basic ${Buffer.from('admin:admin').toString('base64')}`,
  'Bearer',
  `bearer  ${"' OR 1=1 --"}`,
];
let malformedAt = 0;

/** The Authorization header value for a caller, or null for none. */
function authOf(who: Who): string | null {
  if (who === 'malformed') return MALFORMED_AUTH[malformedAt++ % MALFORMED_AUTH.length];
  const token = tokenOf(who);
  return token ? `Bearer ${token}` : null;
}

function tokenOf(who: Who): string | null {
  return who === 'admin' ? ADMIN : who === 'viewer' ? viewer : who === 'forged' ? `ftk_${'A'.repeat(43)}` : null;
}

function describe(op: ApiOperation, r: FuzzRequest, res: RawResponse): string {
  return `${op.method} ${r.path.slice(0, 300)} as ${r.who}, body ${r.bodyKind}: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`;
}

function assertErrorShape(what: string, res: RawResponse): void {
  assert.match(String(res.headers['content-type']), /^application\/json/, `error is JSON: ${what}`);
  const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  assert.equal(body.statusCode, res.status, what);
  assert.equal(typeof body.error, 'string', what);
  assert.equal(typeof body.message, 'string', what);
  if ('issues' in body) {
    assert.ok(Array.isArray(body.issues), what);
    for (const i of body.issues as Array<Record<string, unknown>>) assert.ok(typeof i.path === 'string' && typeof i.message === 'string', what);
  }
}

let jobsStarted = false;

async function fuzzOperation(op: ApiOperation): Promise<void> {
  const isWrite = op.method !== 'GET';
  const out = await fc.check(
    fc.asyncProperty(requestArb(op), async (r) => {
      const before = isWrite && !jobsStarted ? await dbFingerprint() : null;
      const authorization = authOf(r.who);
      const res = await rawRequest(hub.httpPort, {
        method: op.method,
        path: r.path,
        headers: { ...(authorization ? { authorization } : {}), ...(r.contentType ? { 'content-type': r.contentType } : {}) },
        body: r.body ?? undefined,
      });
      const what = describe(op, r, res);
      assert.ok(res.status < 500, `no 5xx: ${what}`);
      assert.ok(res.status >= 200, what);
      if (res.status >= 400) assertErrorShape(what, res);
      if (r.who !== 'admin' && r.who !== 'viewer') assert.ok(res.status >= 400 || !op.path.startsWith('/api/v1/'), `unauthenticated call refused: ${what}`);
      if (before !== null && res.status >= 400) assert.equal(await dbFingerprint(), before, `a refused write changed the database: ${what}`);
      if (res.status < 300 && STARTS_JOBS.test(op.path)) jobsStarted = true;
      assert.deepEqual(escaped, [], `nothing escaped to the process: ${what}`);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  // The assertion's own message says what went wrong; fast-check's report alone does not.
  if (out.failed) throw new Error(`seed ${out.seed}: ${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`);
}

async function apiOperations(): Promise<ApiOperation[]> {
  const doc = await rawRequest(hub.httpPort, { method: 'GET', path: '/api/docs/openapi.json' });
  return operationsOf(JSON.parse(doc.body.toString()));
}

/** Bodies every write route must refuse cleanly, whatever the randomness picks. */
const FIXED_BODIES: Array<[string, string | null, Buffer, number?]> = [
  ['malformed JSON', 'application/json', Buffer.from('{"name":'), 400],
  ['unsupported charset', 'application/json; charset=latin1', Buffer.from('{}'), 415],
  ['UTF-16 body', 'application/json; charset=utf-16le', Buffer.from('{}', 'utf16le'), 415],
  ['1 MB body', 'application/json', Buffer.from(JSON.stringify({ name: longString(1 << 20) })), 413],
  ['array nested 100000 deep', 'application/json', Buffer.from(deepJson(100_000, 'array'))],
  ['object nested 5000 deep', 'application/json', Buffer.from(deepJson(5_000, 'object'))],
  ...INVALID_UTF8.map((bad): [string, string, Buffer, number] => [
    `invalid UTF-8 ${bad.toString('hex')}`,
    'application/json',
    Buffer.concat([Buffer.from('{"name":"'), bad, Buffer.from('","role":"viewer"}')]),
    400,
  ]),
  [
    'NUL in every string',
    'application/json',
    Buffer.from(JSON.stringify({ name: 'a\u0000b', role: 'viewer', decision: 'approve', comment: '\u0000', url: 'http://x/\u0000', tags: ['\u0000'] })),
  ],
  ['gzip that is not gzip', 'application/json', Buffer.from('not gzip')],
];

test('fixed hostile bodies on every write route: 4xx with the error shape, database unchanged', async () => {
  const writes = (await apiOperations()).filter((op) => op.method !== 'GET' && !STARTS_JOBS.test(op.path));
  for (const op of writes) {
    const path = op.path.replace(/\{[^}]+\}/g, knownIds[0]);
    for (const [kind, contentType, body, expected] of FIXED_BODIES) {
      for (const who of ['admin', 'none'] as const) {
        const before = await dbFingerprint();
        const token = tokenOf(who);
        const headers: Record<string, string> = {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(contentType ? { 'content-type': contentType } : {}),
        };
        if (kind.startsWith('gzip')) headers['content-encoding'] = 'gzip';
        const res = await rawRequest(hub.httpPort, { method: op.method, path, headers, body });
        const what = `${op.method} ${path} as ${who} with ${kind}: ${res.status} ${res.body.toString().slice(0, 200)}`;
        assert.ok(res.status >= 400 && res.status < 500, what);
        // Bodies are parsed before anyone is authenticated: the same answer for everyone.
        if (expected) assert.equal(res.status, expected, what);
        assertErrorShape(what, res);
        assert.equal(await dbFingerprint(), before, `a refused write changed the database: ${what}`);
      }
    }
  }
  assert.deepEqual(escaped, []);
});

test('every REST operation survives hostile params, queries and bodies with the consistent error shape', async (t) => {
  const ops = await apiOperations();
  assert.ok(ops.length >= 40, `the OpenAPI document lists the API (${ops.length} operations)`);
  // Routes that start jobs last, so job writes cannot be mistaken for a refused write's.
  ops.sort((a, b) => Number(STARTS_JOBS.test(a.path)) - Number(STARTS_JOBS.test(b.path)));
  for (const op of ops) {
    await t.test(`${op.method} ${op.path}`, () => fuzzOperation(op));
  }
  const health = await rawRequest(hub.httpPort, { method: 'GET', path: '/healthz' });
  assert.equal(health.status, 200, 'the hub still answers');
});
