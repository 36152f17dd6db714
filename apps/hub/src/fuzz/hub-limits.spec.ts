import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError, status } from '@grpc/grpc-js';
import { BatchAck, BatchAck_Status, CountBatch } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { DEFAULT_BATCH_LIMITS } from '../ingest/count-batch-validator';
import { rawRequest } from './raw-http';

/**
 * Each hub limit at its edge, through a real hub: the largest allowed value
 * passes, one more is refused with a clear status and nothing is written.
 * (Per-agent rate: ingest-grpc.server.spec.ts; per-token rate: auth/rest-rate-limit.spec.ts.)
 */

const ADMIN = 'hub-limits-admin-token-0123456789ab';
const ENROLL = 'hub-limits-enroll-secret-012345678';
const MAX_BATCH_BYTES = 16_384;
const MAX_ROWS = 40;
let agent: { token: string; hostId: string };
let sequence = 1;

const fx = useTestHub(
  'hub_limits_spec',
  {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES),
    FLEETTUNE_MAX_BATCH_ROWS: String(MAX_ROWS),
  },
  async () => {
    agent = await enroll('limits-host');
  },
);

function enroll(hostname: string): Promise<{ token: string; hostId: string }> {
  return new Promise((resolve, reject) =>
    fx.client.enroll({ enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 't', machineId: `m-${hostname.slice(0, 200)}` }, (err, res) =>
      err ? reject(err) : resolve({ token: res!.agentToken, hostId: res!.hostId }),
    ),
  );
}

const upload = (batch: CountBatch): Promise<BatchAck[]> => uploadBatches(fx.client, agent.token, [batch]);

function batch(extra: Partial<CountBatch> = {}): CountBatch {
  return countBatch({
    hostId: agent.hostId,
    sequence: sequence++,
    windowStartMs: Date.now() - 600_000,
    events: 1,
    execs: [{ path: '/usr/bin/id', parentPath: '', user: 'root', count: 1 }],
    ...extra,
  });
}

async function assertAccepted(b: CountBatch, what: string): Promise<void> {
  const acks = await upload(b);
  assert.equal(acks[0]?.status, BatchAck_Status.COMMITTED, what);
}

async function assertRefused(b: CountBatch, code: status, what: string): Promise<void> {
  const before = await fx.prisma.ingestBatch.count();
  await assert.rejects(upload(b), (e: ServiceError) => e.code === code, what);
  assert.equal(await fx.prisma.ingestBatch.count(), before, `nothing written: ${what}`);
}

/** A batch whose encoding is exactly `bytes` long: padding in file paths (each within the string limit). */
function batchOfSize(bytes: number): CountBatch {
  const row = (n: number) => ({ path: `/${'p'.repeat(n)}`, op: 'modify', processPath: '', count: 1 });
  const seq = sequence++;
  for (let full = 0; full < MAX_ROWS - 2; full++) {
    for (let pad = 1; pad < 4000; pad++) {
      const b = batch({ sequence: seq, files: [...Array.from({ length: full }, () => row(4000)), row(pad)] });
      sequence--;
      const size = CountBatch.encode(b).finish().length;
      if (size === bytes) return b;
      if (size > bytes) return assert.fail(`no batch of exactly ${bytes} bytes`);
    }
  }
  return assert.fail(`no batch of exactly ${bytes} bytes`);
}

test('message size: FLEETTUNE_MAX_BATCH_BYTES passes, one byte more is INVALID_ARGUMENT', async () => {
  await assertAccepted(batchOfSize(MAX_BATCH_BYTES), 'exactly the limit');
  await assertRefused(batchOfSize(MAX_BATCH_BYTES + 1), status.INVALID_ARGUMENT, 'one byte over');
});

test('batch counts: FLEETTUNE_MAX_BATCH_ROWS rows pass, one more is INVALID_ARGUMENT', async () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `k${i}`, count: 1 }));
  await assertAccepted(batch({ execs: [], auditKeys: rows(MAX_ROWS) }), 'exactly the limit');
  await assertRefused(batch({ execs: [], auditKeys: rows(MAX_ROWS + 1) }), status.INVALID_ARGUMENT, 'one row over');
});

test('string lengths: batch strings up to the limit pass, one character more is INVALID_ARGUMENT; enroll hostnames likewise', async () => {
  const max = DEFAULT_BATCH_LIMITS.maxStringLength;
  await assertAccepted(batch({ execs: [{ path: `/${'s'.repeat(max - 1)}`, parentPath: '', user: '', count: 1 }] }), 'a path of exactly the limit');
  await assertRefused(batch({ execs: [{ path: `/${'s'.repeat(max)}`, parentPath: '', user: '', count: 1 }] }), status.INVALID_ARGUMENT, 'a long path');
  // Issue 13: host names are DNS names, at most 253 characters in labels of at most 63.
  const longest = `${'h'.repeat(63)}.${'h'.repeat(63)}.${'h'.repeat(63)}.${'h'.repeat(61)}`;
  assert.ok(await enroll(longest));
  await assert.rejects(enroll(`${longest}h`), (e: ServiceError) => e.code === status.INVALID_ARGUMENT);
  await assert.rejects(enroll('h'.repeat(64)), (e: ServiceError) => e.code === status.INVALID_ARGUMENT);
});

test('enroll ids and versions: NUL and control characters are INVALID_ARGUMENT, never INTERNAL', async () => {
  const enrollWith = (machineId: string, agentVersion: string) =>
    new Promise((resolve, reject) =>
      fx.client.enroll({ enrollSecret: ENROLL, hostname: 'ctl-host', os: 'linux', agentVersion, machineId }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  for (const [id, version] of [
    ['a\u0000b', '1.0'],
    ['m-ok', '1.0\u0000'],
    ['tab\there', '1.0'],
    ['m-ok', 'v\u001b[31m'],
  ]) {
    await assert.rejects(
      enrollWith(id, version),
      (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /printable/.test(e.details),
      JSON.stringify([id, version]),
    );
  }
  assert.ok(await enrollWith('m-printable-é', '1.0.0'));
});

test('REST: a body over the JSON size limit is 413 with the consistent error body; names are length-checked', async () => {
  const post = (body: Buffer) =>
    rawRequest(fx.hub.httpPort, {
      method: 'POST',
      path: '/api/v1/tokens',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body,
    });
  const huge = await post(Buffer.from(JSON.stringify({ name: 'x'.repeat(1 << 20), role: 'viewer' })));
  assert.equal(huge.status, 413);
  assert.deepEqual(JSON.parse(huge.body.toString()), { statusCode: 413, error: 'Payload Too Large', message: 'request entity too large' });
  const tokensBefore = await fx.prisma.apiToken.count();
  const long = await post(Buffer.from(JSON.stringify({ name: 'n'.repeat(101), role: 'viewer' })));
  assert.equal(long.status, 400);
  assert.deepEqual(
    (JSON.parse(long.body.toString()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path),
    ['name'],
  );
  assert.equal(await fx.prisma.apiToken.count(), tokensBefore);
  assert.equal((await post(Buffer.from(JSON.stringify({ name: 'n'.repeat(100), role: 'viewer' })))).status, 201);
});
