import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client, ClientDuplexStream, Metadata, ServiceError, credentials, makeGenericClientConstructor, status } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck, BatchAck_Status, CountBatch, EnrollRequest } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { uploadBatches } from '../testing/agent-upload';
import { enrollSpecHost, execAndFileBatch } from '../testing/agent-enroll';
import { collectEscapedErrors } from './escaped-errors';
import { INVALID_UTF8, hostileString, longString } from './hostile-values';

/**
 * Forged and hostile Enroll and UploadBatches calls, as messages and as raw
 * protobuf bytes. The hub must answer each with a proper status (never
 * INTERNAL or UNKNOWN), keep running, and the fleet totals must equal what
 * it acknowledged as committed: nothing refused lands, nothing lands twice.
 */

const ENROLL = 'grpc-fuzz-enroll-secret-0123456789';
const MAX_BATCH_BYTES = 64 * 1024;
const MAX_ROWS = 500;
const RUNS = Number(process.env.FLEETTUNE_FUZZ_RUNS ?? 12) * 4;
// Statuses that are a proper answer to bad input; INTERNAL, UNKNOWN, UNAVAILABLE are not.
const PROPER = new Set([
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.RESOURCE_EXHAUSTED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.ALREADY_EXISTS,
]);

interface Agent {
  token: string;
  hostId: string;
}

let db: TestDatabase;
let hub: RunningHub;
let prisma: PrismaService;
let client: AgentServiceClient;
let raw: Client & {
  uploadBatches(md: Metadata): ClientDuplexStream<Buffer, Buffer>;
  enroll(req: Buffer, md: Metadata, cb: (err: ServiceError | null, res?: Buffer) => void): void;
};
let mine: Agent;
let other: Agent;
let revoked: Agent;
let nextSequence = 1;
// BigInt: counts up to 2^53 - 1 are valid, and their sums are past what a double holds exactly.
const expected = { batches: 0n, events: 0n, execs: 0n, files: 0n };
const escaped = collectEscapedErrors();

before(async () => {
  ({ db, hub } = await startTestHub('grpc_fuzz_spec', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES),
    FLEETTUNE_MAX_BATCH_ROWS: String(MAX_ROWS),
  }));
  prisma = hub.app.get(PrismaService);
  const address = `127.0.0.1:${hub.grpcPort}`;
  client = new AgentServiceClient(address, credentials.createInsecure(), { 'grpc.max_send_message_length': 16 << 20 });
  const identity = (b: Buffer) => b;
  const Raw = makeGenericClientConstructor(
    {
      uploadBatches: {
        path: '/fleettune.v1.AgentService/UploadBatches',
        requestStream: true,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
      enroll: {
        path: '/fleettune.v1.AgentService/Enroll',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    'Raw',
  );
  raw = new Raw(address, credentials.createInsecure(), { 'grpc.max_send_message_length': 16 << 20 }) as unknown as typeof raw;
  mine = await enroll('fuzz-mine');
  other = await enroll('fuzz-other');
  revoked = await enroll('fuzz-revoked');
  await prisma.agent.updateMany({ where: { hostId: revoked.hostId }, data: { revokedAt: new Date() } });
  // Something in the fleet already, so "unchanged" is not trivially zero.
  const seed = validBatch(mine.hostId, nextSequence++);
  const acks = await upload(auth(`Bearer ${mine.token}`), [seed]);
  assert.equal(acks[0]?.status, BatchAck_Status.COMMITTED);
  count(seed);
});

after(async () => {
  client?.close();
  raw?.close();
  await hub?.close();
  await db?.drop();
});

const enroll = (hostname: string): Promise<Agent> => enrollSpecHost(client, ENROLL, hostname, 'linux', 'fuzz');

function auth(token: string | null): Metadata {
  const md = new Metadata();
  if (token !== null) md.set('authorization', token);
  return md;
}

const validBatch = (hostId: string, sequence: number): CountBatch => execAndFileBatch(hostId, sequence, Date.now() - 600_000);

function count(b: CountBatch): void {
  expected.batches += 1n;
  expected.events += BigInt(b.events);
  expected.execs += b.execs.reduce((a, x) => a + BigInt(x.count), 0n);
  expected.files += b.files.reduce((a, x) => a + BigInt(x.count), 0n);
}

async function fleetTotals(): Promise<typeof expected> {
  const [r] = await prisma.$queryRawUnsafe<Array<{ batches: string; events: string | null; execs: string | null; files: string | null }>>(
    `SELECT (SELECT COUNT(*) FROM ingest_batches)::text AS batches,
            (SELECT SUM(events) FROM ingest_batches)::text AS events,
            (SELECT SUM(count) FROM exec_counts)::text AS execs,
            (SELECT SUM(count) FROM file_counts)::text AS files`,
  );
  return { batches: BigInt(r.batches), events: BigInt(r.events ?? 0), execs: BigInt(r.execs ?? 0), files: BigInt(r.files ?? 0) };
}

/** The acks a stream got, and how it ended (acks sent before a refusal still count). */
type Outcome = { acks: BatchAck[]; error?: ServiceError };

const upload = (md: Metadata, batches: CountBatch[]): Promise<BatchAck[]> => uploadBatches(client, md, batches);

function uploadRaw(md: Metadata, frames: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const acks: BatchAck[] = [];
    const call = raw.uploadBatches(md);
    call.on('data', (b: Buffer) => acks.push(BatchAck.decode(b)));
    call.on('error', (error: ServiceError) => resolve({ acks, error }));
    call.on('end', () => resolve({ acks }));
    for (const f of frames) call.write(f);
    call.end();
  });
}

function assertProper(outcome: Outcome, what: string): void {
  if (outcome.error) {
    assert.ok(PROPER.has(outcome.error.code), `${what}: got ${status[outcome.error.code]} (${outcome.error.details})`);
  }
  assert.deepEqual(escaped, [], `nothing escaped to the process: ${what}`);
}

/** Acknowledged-as-committed batches are what the fleet must now hold; anything else must not land. */
function account(outcome: Outcome, sent: Array<CountBatch | undefined>): void {
  for (const ack of outcome.acks) {
    if (ack.status !== BatchAck_Status.COMMITTED) continue;
    const b = sent.find((s) => s?.sequence === ack.sequence);
    assert.ok(b, `an ack for sequence ${ack.sequence} matches a batch that was sent`);
    count(b);
  }
}

async function assertTotals(what: string): Promise<void> {
  assert.deepEqual(await fleetTotals(), expected, `fleet totals equal the committed acks: ${what}`);
}

/** Counts what the hub acknowledged of `sent` (see account) and checks the fleet totals against it. */
async function settle(outcome: Outcome, sent: Array<CountBatch | undefined>, what: string): Promise<void> {
  account(outcome, sent);
  await assertTotals(what);
}

/** Sends one raw frame as `mine`: a proper status, and the fleet totals follow what was acknowledged of `sent`. */
async function sendRawAsMine(frame: Buffer, sent: Array<CountBatch | undefined>, what: string): Promise<void> {
  const outcome = await uploadRaw(auth(`Bearer ${mine.token}`), [frame]);
  assertProper(outcome, what);
  await settle(outcome, sent, what);
}

/** The batch as protobuf bytes, or undefined when protobuf cannot carry it (a number out of its range). */
function encodeOrUndefined(batch: CountBatch): Buffer | undefined {
  try {
    return Buffer.from(CountBatch.encode(batch).finish());
  } catch {
    return undefined;
  }
}

/** The bytes as a batch, or undefined when they do not decode (then nothing of them may land). */
function decodeOrUndefined(bytes: Buffer): CountBatch | undefined {
  try {
    return CountBatch.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A failed fast-check run as the spec's failure, with the seed that replays it. */
function throwIfFailed(out: { failed: boolean; seed: number; errorInstance: unknown }): void {
  if (out.failed) throw new Error(`seed ${out.seed}: ${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`);
}

// ---- hostile CountBatch messages --------------------------------------------------------------

const num = fc.oneof(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 2 ** 63, 1e300), fc.integer({ min: 0, max: 1_000_000 }));
const signedNum = fc.oneof(num, fc.constantFrom(-1, -(2 ** 53), -(2 ** 63), -8.64e15, 8.64e15 + 1));
const text = hostileString(6000);

const execRow = fc.record({ path: text, parentPath: text, user: text, count: num });
const fileRow = fc.record({ path: text, op: fc.oneof(fc.constantFrom('create', 'modify', 'delete', 'open'), text), processPath: text, count: num });
const named = fc.record({ name: text, count: num });

type Sender = 'mine' | 'other' | 'revoked' | 'forged' | 'none' | 'malformed';

const hostileBatch = fc.record({
  sender: fc.constantFrom<Sender>('mine', 'mine', 'mine', 'other', 'revoked', 'forged', 'none', 'malformed'),
  hostId: fc.oneof(fc.constant('mine'), fc.constant('other'), text, fc.uuid()),
  windowStartMs: fc.oneof(fc.constant(Date.now() - 600_000), signedNum),
  windowLengthMs: fc.oneof(fc.constant(60_000), signedNum),
  source: fc.oneof(fc.constantFrom('linux-audit', 'fanotify', 'mdatp'), text),
  events: num,
  skipped: num,
  dropped: num,
  execs: fc.array(execRow, { maxLength: 3 }),
  files: fc.array(fileRow, { maxLength: 3 }),
  auditKeys: fc.array(named, { maxLength: 2 }),
  syscalls: fc.array(named, { maxLength: 2 }),
  manyRows: fc.constantFrom(0, 0, 0, MAX_ROWS + 1),
  hostCost: fc.array(
    fc.record({
      windowStartMs: signedNum,
      windowEndMs: signedNum,
      samples: fc.constantFrom(0, 1, 2 ** 32 - 1),
      coveredMs: num,
      products: fc.array(fc.record({ name: text, product: text, cpuMs: num, peakRssKb: num, peakHwmKb: num, processes: num }), { maxLength: 2 }),
      auditd: fc.constant(undefined),
    }),
    { maxLength: 2 },
  ),
});

function tokenFor(sender: Sender): string | null {
  switch (sender) {
    case 'mine':
      return `Bearer ${mine.token}`;
    case 'other':
      return `Bearer ${other.token}`;
    case 'revoked':
      return `Bearer ${revoked.token}`;
    case 'forged':
      return `Bearer fta_${'A'.repeat(43)}`;
    case 'none':
      return null;
    case 'malformed':
      return `Bearer ${'x'.repeat(5000)} Basic YWRtaW46YWRtaW4=`;
  }
}

test('hostile and forged CountBatch messages get a proper status and never land unacknowledged', async () => {
  const out = await fc.check(
    fc.asyncProperty(hostileBatch, async (h) => {
      const hostId = h.hostId === 'mine' ? mine.hostId : h.hostId === 'other' ? other.hostId : h.hostId;
      const batch: CountBatch = {
        hostId,
        sequence: nextSequence++,
        windowStartMs: h.windowStartMs,
        windowEndMs: h.windowStartMs + h.windowLengthMs,
        source: h.source,
        events: h.events,
        skipped: h.skipped,
        dropped: h.dropped,
        execs: h.manyRows ? Array.from({ length: h.manyRows }, (_, i) => ({ path: `/bin/x${i}`, parentPath: '', user: '', count: 1 })) : h.execs,
        files: h.files,
        auditKeys: h.auditKeys,
        initiators: [],
        syscalls: h.syscalls,
        hostCost: h.hostCost,
      };
      const frame = encodeOrUndefined(batch);
      if (!frame) return; // not even encodable (a number protobuf cannot carry): nothing to send
      const outcome = await uploadRaw(auth(tokenFor(h.sender)), [frame]);
      const what = `${h.sender} sends ${JSON.stringify(batch).slice(0, 400)}`;
      assertProper(outcome, what);
      if (outcome.acks.some((a) => a.status === BatchAck_Status.COMMITTED)) {
        // Only a live agent lands a batch, and only for its own host.
        const owner = h.sender === 'mine' ? mine : h.sender === 'other' ? other : null;
        assert.ok(owner, `only an enrolled, unrevoked agent lands a batch: ${what}`);
        assert.equal(hostId, owner.hostId, `a batch lands only for the sender's host: ${what}`);
      }
      await settle(outcome, [batch], what);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  throwIfFailed(out);
});

/** One defect in an otherwise valid batch from the right agent, and what the hub must answer. */
type Defect = { name: string; token?: () => string | null; patch: (b: CountBatch, t: string) => Partial<CountBatch>; expect?: status | 'duplicate' };
const DEFECTS: Defect[] = [
  { name: "forged host id (another agent's host)", patch: () => ({ hostId: other.hostId }), expect: status.PERMISSION_DENIED },
  { name: 'unknown host id', patch: () => ({ hostId: '00000000-0000-4000-8000-000000000000' }), expect: status.PERMISSION_DENIED },
  { name: 'hostile host id', patch: (_b, t) => ({ hostId: t }), expect: status.PERMISSION_DENIED },
  { name: 'forged token', token: () => `Bearer fta_${'B'.repeat(43)}`, patch: () => ({}), expect: status.UNAUTHENTICATED },
  { name: 'revoked agent', token: () => `Bearer ${revoked.token}`, patch: () => ({ hostId: revoked.hostId }), expect: status.UNAUTHENTICATED },
  { name: 'no token', token: () => null, patch: () => ({}), expect: status.UNAUTHENTICATED },
  { name: "another agent replays this host's batch", token: () => `Bearer ${other.token}`, patch: () => ({}), expect: status.PERMISSION_DENIED },
  { name: 'replay of a committed sequence with other counts', patch: () => ({ sequence: 1, events: 999 }), expect: 'duplicate' },
  { name: 'sequence 0', patch: () => ({ sequence: 0 }), expect: status.INVALID_ARGUMENT },
  { name: 'window in 1970', patch: () => ({ windowStartMs: 0, windowEndMs: 60_000 }), expect: status.INVALID_ARGUMENT },
  {
    name: 'window ten years ahead',
    patch: (b) => ({ windowStartMs: b.windowStartMs + 3.2e11, windowEndMs: b.windowEndMs + 3.2e11 }),
    expect: status.INVALID_ARGUMENT,
  },
  { name: 'window ends before it starts', patch: (b) => ({ windowEndMs: b.windowStartMs - 1 }), expect: status.INVALID_ARGUMENT },
  { name: 'negative window start', patch: () => ({ windowStartMs: -8.64e15, windowEndMs: -8.64e15 + 60_000 }), expect: status.INVALID_ARGUMENT },
  { name: 'hostile source', patch: (_b, t) => ({ source: `${t}!` }), expect: status.INVALID_ARGUMENT },
  { name: 'zero count', patch: () => ({ execs: [{ path: '/bin/x', parentPath: '', user: '', count: 0 }] }), expect: status.INVALID_ARGUMENT },
  {
    name: 'NUL in a path',
    patch: (_b, t) => ({ files: [{ path: `/a\u0000${t}`, op: 'modify', processPath: '', count: 1 }] }),
    expect: status.INVALID_ARGUMENT,
  },
  {
    name: 'path over the string limit',
    patch: () => ({ execs: [{ path: `/${'x'.repeat(4096)}`, parentPath: '', user: '', count: 1 }] }),
    expect: status.INVALID_ARGUMENT,
  },
  {
    name: 'hostile strings in every row (stored as text or refused)',
    patch: (_b, t) => ({
      execs: [{ path: `/${t}`, parentPath: t, user: t, count: 1 }],
      files: [{ path: `/${t}`, op: t, processPath: t, count: 1 }],
      auditKeys: [{ name: t, count: 1 }],
      syscalls: [{ name: t, count: 1 }],
    }),
  },
  // Counts are capped at 1e12 per row and per batch so rollup sums cannot overflow bigint.
  { name: 'largest allowed counts', patch: () => ({ events: 1e12, execs: [{ path: '/bin/big', parentPath: '', user: '', count: 1e12 }] }) },
  {
    name: 'largest safe counts (over the cap)',
    patch: () => ({ events: 2 ** 53 - 1, execs: [{ path: '/bin/big', parentPath: '', user: '', count: 2 ** 53 - 1 }] }),
    expect: status.INVALID_ARGUMENT,
  },
];

test('one defect in an otherwise valid batch: forged hosts, stolen or revoked tokens, replays and bad fields are refused with the right status', async () => {
  const out = await fc.check(
    fc.asyncProperty(fc.constantFrom(...DEFECTS), hostileString(300), async (d, t) => {
      const base = validBatch(mine.hostId, nextSequence++);
      const batch = { ...base, ...d.patch(base, t) };
      const token = d.token ? d.token() : `Bearer ${mine.token}`;
      const frame = encodeOrUndefined(batch);
      if (!frame) return;
      const what = `${d.name} (${JSON.stringify(t).slice(0, 80)})`;
      const outcome = await uploadRaw(auth(token), [frame]);
      assertProper(outcome, what);
      if (d.expect === 'duplicate')
        assert.deepEqual(
          outcome.acks.map((a) => a.status),
          [BatchAck_Status.DUPLICATE],
          what,
        );
      else if (d.expect !== undefined) assert.equal(outcome.error?.code, d.expect, `${what}: ${outcome.error?.details ?? 'accepted'}`);
      await settle(outcome, [batch], what);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  throwIfFailed(out);
});

// Extremes each wire type can carry (the message must encode, so the hub is what gets tested).
const u64 = fc.oneof(fc.constantFrom(0, 1, 2 ** 32, 2 ** 53 - 1), fc.nat());
const u32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1), fc.nat());
const i32 = fc.constantFrom(-(2 ** 31), -1, 0, 1, 2, 3, 2 ** 31 - 1);

const auditd = fc.record({
  enabled: i32,
  pid: u32,
  failure: i32,
  lostDelta: u64,
  lostTotal: u64,
  backlogMax: u32,
  backlogLimit: u32,
  rateLimit: u32,
  backlogWaitActualDelta: u64,
  hasRules: fc.boolean(),
  rulesTotal: u32,
  rulesByProduct: fc.array(fc.record({ name: text, count: u64 }), { maxLength: 3 }),
  hasLog: fc.boolean(),
  logBytes: u64,
  logRotations: u32,
  dispatch: text,
  dispatchLossy: fc.boolean(),
  consumers: fc.array(text, { maxLength: 3 }),
});

test('a valid batch carrying hostile host-cost windows (sane times, hostile numbers and names) is stored or refused properly', async () => {
  let sent = 0;
  const out = await fc.check(
    fc.asyncProperty(
      fc.array(
        fc.record({
          ago: fc.integer({ min: 1, max: 3_000_000 }),
          length: fc.integer({ min: 1, max: 600_000 }),
          samples: u32,
          coveredMs: u64,
          products: fc.array(fc.record({ name: text, product: text, cpuMs: u64, peakRssKb: u64, peakHwmKb: u64, processes: u32 }), { maxLength: 3 }),
          auditd: fc.option(auditd, { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      async (windows) => {
        const now = Date.now();
        const batch: CountBatch = {
          ...validBatch(mine.hostId, nextSequence++),
          hostCost: windows.map((w) => ({ ...w, windowStartMs: now - w.ago, windowEndMs: now - w.ago + w.length })),
        };
        const frame = encodeOrUndefined(batch);
        if (!frame) return;
        sent += 1;
        await sendRawAsMine(frame, [batch], `host cost ${JSON.stringify(batch.hostCost).slice(0, 400)}`);
      },
    ),
    { numRuns: RUNS, endOnFailure: true },
  );
  throwIfFailed(out);
  assert.ok(sent >= RUNS / 2, `most cases reached the hub (${sent} of ${RUNS})`);
});

// ---- raw protobuf bytes ---------------------------------------------------------------------------

/** A varint-prefixed field header: (field << 3) | wire type. */
const tag = (field: number, wire: number) => Buffer.from([(field << 3) | wire]);

function rawVariants(valid: Buffer): Array<[string, Buffer]> {
  const len = (n: number) => Buffer.from([n]);
  return [
    ['empty', Buffer.alloc(0)],
    ['truncated varint', Buffer.from([0x10, 0xff])],
    ['length past the end', Buffer.concat([tag(1, 2), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from('abc')])],
    ['host_id as a varint', Buffer.concat([tag(1, 0), Buffer.from([0x05]), valid])],
    ['sequence as a string', Buffer.concat([valid, tag(2, 2), len(3), Buffer.from('abc')])],
    ['execs as a fixed64', Buffer.concat([valid, tag(9, 1), Buffer.alloc(8, 0xff)])],
    ['wire type 7', Buffer.concat([valid, Buffer.from([0x0f])])],
    ['field number 0', Buffer.concat([Buffer.from([0x00, 0x01]), valid])],
    ['sequence over 2^53', Buffer.concat([valid, tag(2, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])],
    ['negative events', Buffer.concat([valid, tag(6, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])],
    ['end group without start', Buffer.concat([valid, tag(5, 4)])],
    ['unknown huge field', Buffer.concat([valid, Buffer.from([0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01])])],
    ...INVALID_UTF8.map((bad): [string, Buffer] => [
      `invalid UTF-8 ${bad.toString('hex')} in source`,
      Buffer.concat([valid, tag(5, 2), len(bad.length + 2), Buffer.from('x'), bad, Buffer.from('y')]),
    ]),
    ['oversized (over FLEETTUNE_MAX_BATCH_BYTES)', Buffer.concat([valid, tag(5, 2), Buffer.from([0x80, 0x80, 0x08]), Buffer.alloc(131072, 0x41)])],
    ['far over the transport limit', Buffer.concat([valid, tag(5, 2), Buffer.from([0x80, 0x80, 0x80, 0x02]), Buffer.alloc(4 << 20, 0x41)])],
  ];
}

test('raw protobuf bytes (truncated, wrong wire types, invalid UTF-8, oversized, random) get a proper status', async () => {
  const valid = () => validBatch(mine.hostId, nextSequence++);
  // Named shapes first, each on its own stream.
  for (const [name, bytes] of rawVariants(Buffer.from(CountBatch.encode(valid()).finish()))) {
    await sendRawAsMine(bytes, [decodeOrUndefined(bytes)], name);
  }
  // Then random mutations of a valid frame: truncations, flipped bytes, spliced garbage.
  const out = await fc.check(
    fc.asyncProperty(
      fc.oneof(
        fc.nat().map((n) => ({ op: 'truncate' as const, n })),
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, b]) => ({ op: 'flip' as const, n, b })),
        fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 24 })).map(([n, g]) => ({ op: 'splice' as const, n, g })),
        fc.uint8Array({ maxLength: 64 }).map((g) => ({ op: 'random' as const, g })),
      ),
      async (m) => {
        const batch = valid();
        const bytes = Buffer.from(CountBatch.encode(batch).finish());
        let mutated: Buffer;
        if (m.op === 'truncate') mutated = bytes.subarray(0, m.n % bytes.length);
        else if (m.op === 'flip') (mutated = Buffer.from(bytes))[m.n % bytes.length] = m.b;
        else if (m.op === 'splice') mutated = Buffer.concat([bytes.subarray(0, m.n % bytes.length), Buffer.from(m.g), bytes.subarray(m.n % bytes.length)]);
        else mutated = Buffer.from(m.g);
        await sendRawAsMine(mutated, [decodeOrUndefined(mutated)], `${m.op} ${mutated.toString('hex').slice(0, 200)}`);
      },
    ),
    { numRuns: RUNS, endOnFailure: true },
  );
  throwIfFailed(out);
});

// ---- Enroll ---------------------------------------------------------------------------------------

test('hostile Enroll requests (messages and raw bytes) get a proper status; only a valid secret enrolls', async () => {
  const hostsBefore = await prisma.host.count();
  let enrolled = 0;
  const out = await fc.check(
    fc.asyncProperty(
      fc.record({
        enrollSecret: fc.oneof(fc.constant(ENROLL), text, fc.constant(longString(1 << 20))),
        hostname: fc.oneof(fc.constant('fuzz-enroll'), text),
        os: fc.oneof(fc.constantFrom('linux', 'darwin'), text),
        agentVersion: fc.oneof(fc.constant('1.0.0'), text),
        machineId: fc.oneof(fc.uuid(), text),
      }),
      async (req: EnrollRequest) => {
        const what = `enroll ${JSON.stringify(req).slice(0, 300)}`;
        const res = await new Promise<{ error?: ServiceError }>((resolve) => client.enroll(req, (error) => resolve({ error: error ?? undefined })));
        if (res.error) assertProper({ acks: [], error: res.error }, what);
        else {
          assert.equal(req.enrollSecret, ENROLL, `only the enroll secret enrolls: ${what}`);
          enrolled += 1;
        }
      },
    ),
    { numRuns: RUNS, endOnFailure: true },
  );
  throwIfFailed(out);
  const valid = Buffer.from(
    EnrollRequest.encode({ enrollSecret: 'wrong-secret-000000000000', hostname: 'h', os: 'linux', agentVersion: '', machineId: '' }).finish(),
  );
  for (const [name, bytes] of rawVariants(valid)) {
    const res = await new Promise<{ error?: ServiceError }>((resolve) => raw.enroll(bytes, new Metadata(), (error) => resolve({ error: error ?? undefined })));
    assert.ok(res.error, `raw enroll ${name} with a wrong secret is refused`);
    assertProper({ acks: [], error: res.error }, `raw enroll: ${name}`);
  }
  // Each successful enroll made at most one host (machine ids repeat).
  assert.ok((await prisma.host.count()) <= hostsBefore + enrolled);
  await assertTotals('after enroll fuzzing');
});
