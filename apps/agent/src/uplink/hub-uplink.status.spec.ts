import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Client } from 'pg';
import { AgentServiceClient, BatchAck, CountBatch } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { BatchSpool } from '../spool/batch-spool';
import { useHubForAgents } from '../live/live-hub-harness';
import { enrollSpecAgent } from '../testing/enroll-spec-agent';
import { bearer, createHubClient } from './hub-client';
import { HubUplink } from './hub-uplink';

/**
 * Issues 7/8 end to end: a real uplink with a tiny spool bound against a real
 * test hub. The agent sets aside a batch the hub refuses, merges and drops
 * windows during an outage, and reports all of it on every batch; the hub's
 * host row (GET /api/v1/hosts/:id) and /metrics must then show exactly the
 * agent's own counters. An old-style batch without a status changes nothing.
 */
const ENROLL = 'uplink-status-enroll-secret-00000';
const ADMIN = 'uplink-status-admin-token-0000000000';
const W = 60_000;
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000;
const BOUND = 8 * 1024;

const live = useHubForAgents('agent_uplink_status', 'ft-uplink-status-hub-', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ADMIN_TOKEN: ADMIN });

const api = async (p: string) => {
  const r = await fetch(`${live.hub.httpUrl}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json() as Promise<Record<string, unknown>>;
};

/** One batch on a stream of its own, as an agent without AgentStatus support sends it. */
function sendRaw(client: AgentServiceClient, token: string, batch: CountBatch): Promise<BatchAck> {
  return new Promise((resolve, reject) => {
    const call = client.uploadBatches(bearer(token));
    let ack: BatchAck | undefined;
    call.on('data', (a: BatchAck) => {
      ack = a;
      call.end();
    });
    call.on('error', reject);
    call.on('end', () => (ack ? resolve(ack) : reject(new Error('no ack'))));
    call.write(batch);
  });
}

function gauge(body: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

test('spool drops, merges, refused batches and watchdog state reach the host row and /metrics exactly', { timeout: 180_000 }, async () => {
  const client = createHubClient(live.hub.grpcAddress);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-uplink-status-'));
  try {
    const { agentToken, hostId } = await enrollSpecAgent(client, ENROLL, 'status');
    const spool = new BatchSpool(dir, { maxBytes: BOUND });
    // maxInFlight 1: each batch is put on the wire after the previous ack, so the last one reports a backlog of exactly itself.
    const uplink = new HubUplink(client, spool, agentToken, { initialBackoffMs: 20, maxBackoffMs: 100, maxInFlight: 1 });
    // A watchdog at level 2 that paused one source; the hostile name must not reach the hub's row.
    uplink.reportDegradeState({ state: () => ({ level: 2, pausedSources: ['fanotify', '<img src=x onerror=alert(1)>'] }) });
    let i = 0;
    const batch = (source: string, count: number): Omit<CountBatch, 'sequence'> => {
      i++;
      const execs = [
        { path: `/usr/bin/tool-${i % 5}`, parentPath: '/bin/sh', user: 'root', count },
        { path: `/opt/unique/${'p'.repeat(80)}-${i}`, parentPath: '', user: '', count: 1 },
      ];
      return countBatch({ hostId, source, windowStartMs: T0 + i * W, windowEndMs: T0 + (i + 1) * W, events: count + 1, execs });
    };

    // 1. A batch over the hub's per-row cap: refused (INVALID_ARGUMENT), set aside and counted.
    spool.append(batch('linux-audit', 1e12 + 1));
    await uplink.drain();
    assert.equal(uplink.rejectedBatches, 1);
    assert.equal(spool.stats().pending, 0);

    // 2. An outage against the tiny bound: windows are merged, then dropped.
    for (let k = 0; k < 300; k++) spool.append(batch(k % 3 ? 'linux-audit' : 'fanotify', 1 + (k % 4)));
    const before = spool.stats();
    assert.ok(before.mergedBatches > 0 && before.droppedBatches > 0 && before.droppedEvents > 0, JSON.stringify(before));

    // 3. Reconnected: everything drains, every batch carrying the status of its send time.
    while (spool.stats().pending > 0) await uplink.drain();
    const st = spool.stats();
    assert.equal(st.droppedBatches, before.droppedBatches, 'nothing more dropped while draining');
    spool.close();

    const host = await api(`/api/v1/hosts/${hostId}`);
    const s = host.agentStatus as Record<string, unknown>;
    assert.ok(s, JSON.stringify(host));
    assert.equal(s.sequence, st.ackedThrough, 'from the last committed batch');
    assert.equal(s.droppedBatchesTotal, st.droppedBatches);
    assert.equal(s.droppedEventsTotal, st.droppedEvents);
    assert.equal(s.mergesTotal, st.mergedBatches);
    assert.equal(s.rejectedBatchesTotal, 1);
    assert.equal(s.spoolPendingBatches, 1);
    assert.equal(s.spoolBoundBytes, BOUND);
    assert.ok(Number(s.spoolBytes) > 0 && Number(s.spoolBytes) <= BOUND, `spoolBytes ${String(s.spoolBytes)}`);
    assert.equal(s.degradeLevel, 2);
    assert.equal(s.degraded, true);
    assert.deepEqual(s.pausedSources, ['fanotify']);
    assert.ok(Number(s.rssBytes) > 1024 * 1024, 'the agent process RSS');

    // The list carries the same object.
    const list = (await api('/api/v1/hosts')) as unknown as Array<{ id: string; agentStatus: unknown }>;
    assert.deepEqual(list.find((h) => h.id === hostId)?.agentStatus, s);

    // The hub committed what the agent sent, and the drops it reported per batch add up to its own total.
    const pg = new Client({ connectionString: live.hub.dbUrl });
    await pg.connect();
    try {
      const r = (await pg.query<{ dropped: string }>('SELECT sum(dropped) AS dropped FROM ingest_batches WHERE host_id = $1', [hostId])).rows[0];
      assert.equal(Number(r.dropped), st.droppedEvents);
    } finally {
      await pg.end();
    }

    // 4. An old agent's batch (no agent_status) is committed and leaves the last status as it was.
    const ack = await sendRaw(client, agentToken, { ...batch('linux-audit', 1), sequence: st.ackedThrough + 1 });
    assert.equal(ack.sequence, st.ackedThrough + 1);
    const again = await api(`/api/v1/hosts/${hostId}`);
    assert.deepEqual(again.agentStatus, s);

    // 5. /metrics: fleet gauges equal this (only) host's figures.
    const body = await (await fetch(`${live.hub.httpUrl}/metrics`)).text();
    assert.equal(gauge(body, 'fleettune_agents_reporting_status'), 1);
    assert.equal(gauge(body, 'fleettune_agents_degraded'), 1);
    assert.equal(gauge(body, 'fleettune_agent_spool_pending_batches'), 1);
    assert.equal(gauge(body, 'fleettune_agent_spool_pending_batches_max'), 1);
    assert.equal(gauge(body, 'fleettune_agent_spool_bytes'), s.spoolBytes);
    assert.equal(gauge(body, 'fleettune_agent_spool_bytes_max'), s.spoolBytes);
    assert.equal(gauge(body, 'fleettune_agent_dropped_batches'), st.droppedBatches);
    assert.equal(gauge(body, 'fleettune_agent_dropped_events'), st.droppedEvents);
    assert.equal(gauge(body, 'fleettune_agent_merged_batches'), st.mergedBatches);
    assert.equal(gauge(body, 'fleettune_agent_rejected_batches'), 1);
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
