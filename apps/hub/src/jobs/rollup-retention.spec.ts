import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { CountBatch } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { ActivityRollupService } from '../exclusions/activity-rollup.service';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { startTestHub } from '../testing/test-hub';
import { maintainPartitions } from './partition-maintenance.repository';
import { deleteExpiredRollups, ROLLUP_RETENTION_TABLES } from './rollup-retention.repository';

// The rollup tables follow the raw partitions' retention: rows of bins before
// the cutoff go (in bounded chunks), every kept bin keeps its exact totals.
const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 10, 24, 12, 0, 0));
const RETENTION = 3;
const CUTOFF = NOW.getTime() - (NOW.getTime() % DAY) - RETENTION * DAY;

let db: TestDatabase;
let hub: RunningHub;
let pg: Client;

before(async () => {
  ({ db, hub } = await startTestHub('rollup_retention_spec', { FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '0' }));
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  const prisma = hub.app.get(PrismaService);
  const ingest = hub.app.get(BatchIngestService);
  const hostId = (await prisma.host.create({ data: { hostname: 'ret-1', os: 'linux' } })).id;
  // Windows on both sides of the cutoff, the last expired one ending right at it.
  const starts = [CUTOFF - 2 * DAY, CUTOFF - 3600_000, CUTOFF - 60_000, CUTOFF, CUTOFF + 20 * 60_000, CUTOFF + DAY];
  for (const [i, start] of starts.entries()) {
    const files = Array.from({ length: 12 }, (_, f) => ({ path: `/var/spool/q${i}/m${f}`, op: 'modify', processPath: '/usr/sbin/postfix', count: f + 1 }));
    await ingest.ingest(
      hostId,
      CountBatch.fromPartial({
        hostId,
        sequence: i + 1,
        windowStartMs: start,
        windowEndMs: start + 60_000,
        source: 'linux-audit',
        events: 1,
        execs: [{ path: '/usr/bin/id', parentPath: '/bin/sh', user: 'root', count: 10 + i }],
        files,
      }),
    );
  }
  await hub.app.get(ActivityRollupService).catchUp();
});

after(async () => {
  await pg?.end();
  await hub?.close();
  await db?.drop();
});

async function binsOf(table: string, binSeconds: number): Promise<{ expired: number; kept: number; keptCount: string | null }> {
  const first = Math.floor(CUTOFF / 1000 / binSeconds);
  const hasCount = table !== 'noise_host_bits';
  const r = await pg.query<{ expired: number; kept: number; kept_count: string | null }>(
    `SELECT count(*) FILTER (WHERE bin < $1)::int AS expired, count(*) FILTER (WHERE bin >= $1)::int AS kept,
            ${hasCount ? 'SUM(count) FILTER (WHERE bin >= $1)::text' : 'NULL'} AS kept_count FROM ${table}`,
    [first],
  );
  return { expired: r.rows[0].expired, kept: r.rows[0].kept, keptCount: r.rows[0].kept_count };
}

test('rollup rows of bins before the cutoff are deleted in chunks; kept bins keep exact totals', async () => {
  const before: Record<string, Awaited<ReturnType<typeof binsOf>>> = {};
  for (const { table, binSeconds } of ROLLUP_RETENTION_TABLES) {
    before[table] = await binsOf(table, binSeconds);
    assert.ok(before[table].expired > 0 && before[table].kept > 0, `${table} has rows on both sides: ${JSON.stringify(before[table])}`);
  }
  // Chunks of 7 rows: many DELETEs per table, none larger than the chunk.
  const deleted = await deleteExpiredRollups(pg, new Date(CUTOFF), 7);
  for (const { table, binSeconds } of ROLLUP_RETENTION_TABLES) {
    const after = await binsOf(table, binSeconds);
    assert.equal(deleted[table], before[table].expired, table);
    assert.deepEqual(after, { expired: 0, kept: before[table].kept, keptCount: before[table].keptCount }, table);
  }
  // The kept activity equals the raw rows from the cutoff on, exactly (exec: 10 + i for batches 4..6).
  const exec = await pg.query<{ n: string }>(
    `SELECT SUM(r.count)::text AS n FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id WHERE s.kind = 'exec'`,
  );
  assert.equal(exec.rows[0].n, String(13 + 14 + 15));
});

test('the maintenance run applies the same retention and reports it; a second run deletes nothing', async () => {
  // New expired rows (a late batch), then the whole run with the hub's setting.
  const ingest = hub.app.get(BatchIngestService);
  const hostId = (await pg.query<{ id: string }>(`SELECT id::text FROM hosts LIMIT 1`)).rows[0].id;
  await ingest.ingest(
    hostId,
    CountBatch.fromPartial({
      hostId,
      sequence: 100,
      windowStartMs: CUTOFF - DAY,
      windowEndMs: CUTOFF - DAY + 60_000,
      source: 'linux-audit',
      events: 1,
      execs: [{ path: '/usr/bin/late', parentPath: '/bin/sh', user: 'root', count: 5 }],
    }),
  );
  await hub.app.get(ActivityRollupService).catchUp();
  const r = await maintainPartitions(db.url, { now: NOW, retentionDays: RETENTION, aheadDays: 1 });
  assert.equal(r.skipped, false);
  assert.ok(r.deletedRollupRows.activity_rollups >= 1, JSON.stringify(r.deletedRollupRows));
  assert.ok(r.deletedRollupRows.noise_fleet_hours >= 1, JSON.stringify(r.deletedRollupRows));
  for (const { table, binSeconds } of ROLLUP_RETENTION_TABLES) assert.equal((await binsOf(table, binSeconds)).expired, 0, table);
  const again = await maintainPartitions(db.url, { now: NOW, retentionDays: RETENTION, aheadDays: 1 });
  assert.deepEqual(
    Object.values(again.deletedRollupRows),
    ROLLUP_RETENTION_TABLES.map(() => 0),
  );
});
