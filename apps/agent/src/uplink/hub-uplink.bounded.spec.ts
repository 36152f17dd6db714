import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Client } from 'pg';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { BatchSpool } from '../spool/batch-spool';
import { useHubForAgents } from '../live/live-hub-harness';
import { enrollSpecAgent } from '../testing/enroll-spec-agent';
import { createHubClient } from './hub-client';
import { HubUplink } from './hub-uplink';

/**
 * A long outage against a small spool bound, end to end with the real
 * uplink and a real hub (apps/hub's built test hub, PostgreSQL): the
 * backlog is merged and, where merging is not enough, dropped; appends
 * keep compacting the spool while the uplink drains it after reconnecting.
 * What PostgreSQL holds must equal the input minus exactly the drops the
 * hub was told about, and nothing may be counted twice.
 */
const ENROLL = 'uplink-bounded-enroll-secret-0000';
const W = 60_000;
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000;

const live = useHubForAgents('agent_uplink_bounded', 'ft-uplink-bounded-hub-', { FLEETTUNE_ENROLL_SECRET: ENROLL });

test(
  'outage with a small spool bound: hub totals = input - reported drops, no double counts, through merges during the drain',
  { timeout: 300_000 },
  async () => {
    const client = createHubClient(live.hub.grpcAddress);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-uplink-bounded-'));
    try {
      const { agentToken, hostId } = await enrollSpecAgent(client, ENROLL, 'bounded');
      const logs: string[] = [];
      const spool = new BatchSpool(dir, { maxBytes: 24 * 1024, log: (m) => logs.push(m) });
      const uplink = new HubUplink(client, spool, agentToken, { initialBackoffMs: 50, maxBackoffMs: 500 });
      const input = new Map<string, number>();
      let inputEvents = 0;
      let i = 0;
      const append = (source: string) => {
        i++;
        // Recurring programs merge well; a unique one per window does not, so the bound forces drops too.
        const execs = [
          { path: `/usr/bin/tool-${i % 7}`, parentPath: '/bin/sh', user: 'root', count: 1 + (i % 5) },
          { path: `/opt/unique/${'p'.repeat(60)}-${i}`, parentPath: '', user: '', count: 2 },
        ];
        for (const r of execs) input.set(r.path, (input.get(r.path) ?? 0) + r.count);
        const events = execs.reduce((s, r) => s + r.count, 0);
        inputEvents += events;
        spool.append(countBatch({ hostId, source, windowStartMs: T0 + i * W, windowEndMs: T0 + (i + 1) * W, events, execs }));
      };
      // Connected for a while.
      for (let k = 0; k < 20; k++) append('linux-audit');
      await uplink.drain();
      assert.equal(spool.stats().pending, 0);
      // The outage: a long backlog under the bound.
      for (let k = 0; k < 600; k++) append(k % 3 ? 'linux-audit' : 'fanotify');
      assert.ok(spool.stats().fileBytes <= 24 * 1024);
      assert.ok(spool.stats().mergedBatches > 0 && spool.stats().droppedEvents > 0, JSON.stringify(spool.stats()));
      // Reconnected: new windows keep coming (and compacting the spool) while the backlog drains.
      let more = 300;
      const producer = new Promise<void>((resolve) => {
        const next = () => {
          for (let k = 0; k < 5 && more > 0; k++, more--) append('linux-audit');
          uplink.notify();
          if (more > 0) setImmediate(next);
          else resolve();
        };
        next();
      });
      await Promise.all([uplink.drain(), producer]);
      while (spool.stats().pending > 0) await uplink.drain();
      const st = spool.stats();
      spool.close();

      const pg = new Client({ connectionString: live.hub.dbUrl });
      await pg.connect();
      try {
        const totals = (
          await pg.query<{ events: string; dropped: string; batches: string }>(
            'SELECT sum(events) AS events, sum(dropped) AS dropped, count(*) AS batches FROM ingest_batches WHERE host_id = $1',
            [hostId],
          )
        ).rows[0];
        const rows = (await pg.query<{ path: string; n: string }>('SELECT path, sum(count) AS n FROM exec_counts WHERE host_id = $1 GROUP BY path', [hostId]))
          .rows;
        const hubEvents = Number(totals.events);
        const hubDropped = Number(totals.dropped);
        assert.equal(hubEvents + hubDropped, inputEvents, 'events: hub + reported drops = input');
        assert.equal(hubDropped, st.droppedEvents, 'every drop reported, once');
        assert.ok(hubDropped > 0 && hubDropped < inputEvents / 2, `dropped ${hubDropped} of ${inputEvents}`);
        let missing = 0;
        for (const r of rows) {
          const want = input.get(r.path);
          assert.ok(want !== undefined, `hub has ${r.path} that was never input`);
          assert.ok(Number(r.n) <= want, `${r.path}: hub ${r.n} > input ${want} (double counted)`);
        }
        const got = new Map(rows.map((r) => [r.path, Number(r.n)]));
        for (const [p, n] of input) missing += n - (got.get(p) ?? 0);
        assert.equal(missing, hubDropped, 'per-key counts missing on the hub = reported drops');
        // The recurring programs are kept whole by merging (only windows dropped as a whole lose them).
        assert.ok(Number(totals.batches) < 920, `merged: ${totals.batches} batches for 920 windows`);
      } finally {
        await pg.end();
      }
    } finally {
      client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
