import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { Client } from 'pg';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { BatchSpool } from '../spool/batch-spool';
import { hubChannelTarget, parseHubAddresses, sameHub } from './hub-addresses';
import { enrollSpecAgent } from '../testing/enroll-spec-agent';
import { createHubClient } from './hub-client';
import { isLoopbackHub } from './hub-tls';
import { HubUplink } from './hub-uplink';

/**
 * Issue 17: an agent given two hub replicas streams to one; that replica
 * shuts down (SIGTERM's path: Nest's close) mid-stream, finishing the batch
 * it commits and sending GOAWAY; the agent moves to the other replica and
 * resends what was not acked. PostgreSQL must hold every batch exactly once.
 */
const TEST_HUB = path.resolve(__dirname, '..', '..', '..', 'hub', 'dist', 'testing', 'test-hub.js');
const ENROLL = 'uplink-failover-enroll-secret-0000';
const NAME = 'agent_uplink_failover';
// The per-agent rate limit is not under test here; a high one keeps the spec short on a loaded machine.
const HUB_ENV = { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_AGENT_BATCHES_PER_SECOND: '1000', FLEETTUNE_AGENT_BATCH_BURST: '1000' };
const W = 60_000;
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000;

interface RunningHub {
  grpcPort: number;
  httpPort: number;
  close(): Promise<void>;
}
interface TestHubModule {
  startTestHub(n: string, env: Record<string, string>): Promise<{ db: { url: string; drop(): Promise<void> }; hub: RunningHub }>;
  startTestHubReplica(db: { url: string }, n: string, env: Record<string, string>): Promise<RunningHub>;
}

let hubs: RunningHub[] = [];
let db: { url: string; drop(): Promise<void> };

before(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(TEST_HUB) as TestHubModule;
  const first = await mod.startTestHub(NAME, HUB_ENV);
  db = first.db;
  hubs = [first.hub, await mod.startTestHubReplica(db, NAME, HUB_ENV)];
});

after(async () => {
  for (const h of hubs) await h.close().catch(() => undefined);
  await db?.drop();
});

/** Upload streams open on a hub, from its /metrics. */
async function openStreams(hub: RunningHub): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`)).text();
  const m = /^fleettune_grpc_upload_streams_active (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

test('--hub takes several host:port replicas; one IP literal stays a plain target, a DNS name is resolved and shuffled by us', () => {
  assert.deepEqual(parseHubAddresses('a.example:50051,10.0.0.2:50051,[::1]:7'), ['a.example:50051', '10.0.0.2:50051', '[::1]:7']);
  assert.equal(hubChannelTarget('10.0.0.2:50051'), '10.0.0.2:50051');
  assert.equal(hubChannelTarget('[::1]:50051'), '[::1]:50051');
  assert.equal(hubChannelTarget('hub.example.org:50051'), 'fleettune-hubs:hub.example.org:50051');
  assert.equal(hubChannelTarget('a:1,b:2'), 'fleettune-hubs:a:1,b:2');
  assert.throws(() => parseHubAddresses('a:1,'), /must be host:port/);
  assert.throws(() => parseHubAddresses('a:1,b'), /"b" must be host:port/);
  assert.throws(() => parseHubAddresses('a:70000'), /must be host:port/);
  assert.throws(() => parseHubAddresses('a:1,a:1'), /twice/);
  assert.equal(isLoopbackHub('127.0.0.1:1,localhost:2'), true);
  assert.equal(isLoopbackHub('127.0.0.1:1,10.0.0.2:2'), false, 'one remote replica makes TLS the default');
  assert.equal(sameHub('a:1,b:1', 'b:1,c:1'), true, 'a replica added keeps the enrollment');
  assert.equal(sameHub('a:1', 'c:1'), false);
});

test('agents given two replicas spread over both (grpc-js 1.14.7 alone sent every one to the first)', { timeout: 60_000 }, async () => {
  const target = hubs.map((h) => `127.0.0.1:${h.grpcPort}`).join(',');
  const served = new Map<string, number>();
  // Each agent has its own channel; a refused enrollment is enough to see which replica answered it.
  for (let i = 0; i < 40; i++) {
    const client = createHubClient(target);
    try {
      const peer = await new Promise<string>((resolve) => {
        const call = client.enroll(
          { enrollSecret: 'not-the-enrollment-secret', hostname: `spread-${i}`, os: 'linux', agentVersion: 'test', machineId: `spread-${i}` },
          new Metadata(),
          { deadline: Date.now() + 20_000 },
          () => resolve(call.getPeer()),
        );
      });
      served.set(peer, (served.get(peer) ?? 0) + 1);
    } finally {
      client.close();
    }
  }
  // Even odds per agent: fewer than 5 of 40 on one replica happens about once in ten million runs.
  for (const h of hubs) {
    const n = served.get(`127.0.0.1:${h.grpcPort}`) ?? 0;
    assert.ok(n >= 5, `replica :${h.grpcPort} answered ${n} of 40 agents: ${JSON.stringify([...served])}`);
  }
});

test('a replica shutting down mid-stream: the agent moves to the other, every batch stored exactly once', { timeout: 120_000 }, async () => {
  const target = hubs.map((h) => `127.0.0.1:${h.grpcPort}`).join(',');
  const client = createHubClient(target);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-uplink-failover-'));
  try {
    const { agentToken, hostId } = await enrollSpecAgent(client, ENROLL, 'failover');
    const logs: string[] = [];
    const spool = new BatchSpool(dir, { log: () => undefined });
    const uplink = new HubUplink(client, spool, agentToken, { initialBackoffMs: 50, maxBackoffMs: 500, log: (m) => logs.push(m) });
    const N = 300;
    let inputEvents = 0;
    for (let i = 0; i < N; i++) {
      const count = 1 + (i % 5);
      inputEvents += count;
      spool.append(
        countBatch({
          hostId,
          windowStartMs: T0 + i * W,
          windowEndMs: T0 + (i + 1) * W,
          events: count,
          execs: [{ path: `/usr/bin/tool-${i % 7}`, parentPath: '/bin/sh', user: 'root', count }],
        }),
      );
    }
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const stored = async () => Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM ingest_batches WHERE host_id = $1', [hostId])).rows[0].n);
    try {
      const draining = uplink.drain();
      // Mid-stream: some batches stored, the agent's stream open on one replica.
      let serving: RunningHub | undefined;
      const deadline = Date.now() + 60_000;
      while (!serving) {
        assert.ok(Date.now() < deadline, 'the agent never had a stream open with batches stored');
        if ((await stored()) >= 40) {
          for (const h of hubs) if ((await openStreams(h)) > 0) serving = h;
        }
        if (!serving) await new Promise((r) => setTimeout(r, 20));
      }
      const atShutdown = await stored();
      await serving.close();
      const other = hubs.find((h) => h !== serving)!;
      hubs = [other];
      await draining;
      assert.equal(spool.stats().pending, 0, 'the spool drained');
      spool.close();

      const totals = (
        await pg.query<{ events: string; batches: string; sequences: string }>(
          'SELECT sum(events) AS events, count(*) AS batches, count(DISTINCT sequence) AS sequences FROM ingest_batches WHERE host_id = $1',
          [hostId],
        )
      ).rows[0];
      assert.ok(atShutdown < N, `the replica closed mid-stream (${atShutdown} of ${N} stored)`);
      assert.equal(Number(totals.batches), N, 'every batch stored');
      assert.equal(Number(totals.sequences), N, 'no batch stored twice');
      assert.equal(Number(totals.events), inputEvents, 'events: 0 lost, 0 doubled');
      // It moved because the replica said so (drain), not because the connection broke.
      assert.ok(
        logs.some((l) => l.includes('this hub is shutting down')),
        `the agent was told to move: ${logs.join(' | ')}`,
      );
    } finally {
      await pg.end();
    }
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
