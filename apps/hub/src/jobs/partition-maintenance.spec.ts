import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { CountBatch } from '@fleettune/proto';
import { checkDrift, type TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { startTestHub } from '../testing/test-hub';
import { PartitionMaintenanceService } from './partition-maintenance.service';
import { dailyPartitionName, listPartitions, maintainPartitions, PARTITIONED_TABLES, startOfUtcDay } from './partition-maintenance.repository';

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 10, 24, 12, 0, 0));
const RETENTION = 3;
const AHEAD = 2;

let db: TestDatabase;
let hub: RunningHub;
let pg: Client;
let hostId: string;
let ingest: BatchIngestService;
let maintenance: PartitionMaintenanceService;

before(async () => {
  ({ db, hub } = await startTestHub('partitions_spec', {
    FLEETTUNE_RETENTION_DAYS: String(RETENTION),
    FLEETTUNE_PARTITION_AHEAD_DAYS: String(AHEAD),
  }));
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  const prisma = hub.app.get(PrismaService);
  hostId = (await prisma.host.create({ data: { hostname: 'part-1', os: 'linux' } })).id;
  ingest = hub.app.get(BatchIngestService);
  maintenance = hub.app.get(PartitionMaintenanceService);
});

after(async () => {
  await pg?.end();
  await hub?.close();
  await db?.drop();
});

/** One batch per day under test; counts differ per batch so sums identify where rows went. */
const batches = new Map<number, { start: number; rows: number }>();
function batch(sequence: number, start: number): CountBatch {
  batches.set(sequence, { start, rows: 2 });
  return CountBatch.fromPartial({
    hostId,
    sequence,
    windowStartMs: start,
    windowEndMs: start + 60_000,
    source: 'linux-audit',
    events: sequence,
    execs: [
      { path: '/usr/bin/id', parentPath: '/bin/sh', user: 'root', count: sequence },
      { path: '/usr/bin/env', parentPath: '/bin/sh', user: 'root', count: 1000 * sequence },
    ],
    files: [
      { path: '/var/log/a', op: 'modify', processPath: '/bin/sh', count: sequence },
      { path: '/var/log/b', op: 'create', processPath: '/bin/sh', count: 1000 * sequence },
    ],
    auditKeys: [
      { name: 'exec', count: sequence },
      { name: 'file', count: 1000 * sequence },
    ],
    syscalls: [
      { name: 'execve', count: sequence },
      { name: 'openat', count: 1000 * sequence },
    ],
    initiators: [
      { name: '/usr/sbin/sshd', count: sequence },
      { name: '/usr/bin/sudo', count: 1000 * sequence },
    ],
  });
}
const sumOf = (seqs: number[]) => seqs.reduce((a, s) => a + 1001 * s, 0);

/** table -> partition -> { rows, sum } as stored. */
async function placement(table: string): Promise<Map<string, { rows: number; sum: number }>> {
  const r = await pg.query<{ part: string; rows: number; sum: string }>(
    `SELECT tableoid::regclass::text AS part, count(*)::int AS rows, sum(count)::text AS sum FROM ${table} GROUP BY 1`,
  );
  return new Map(r.rows.map((x) => [x.part, { rows: x.rows, sum: Number(x.sum) }]));
}

const day = (offset: number, hour = 10) => NOW.getTime() - (NOW.getTime() % DAY) + offset * DAY + hour * 3600_000;
const pname = (table: string, offset: number) => `${table}_p${new Date(day(offset, 0)).toISOString().slice(0, 10).replace(/-/g, '')}`;
const FAR_PAST = Date.UTC(2001, 0, 1, 0, 0);
const FAR_FUTURE = Date.UTC(2040, 5, 1, 0, 0);

test('maintenance creates yesterday..today+ahead daily partitions, and a second run changes nothing', async () => {
  const r = await maintenance.run(NOW);
  assert.equal(r.skipped, false);
  for (const t of PARTITIONED_TABLES) {
    const names = (await listPartitions(pg, t)).map((p) => p.name).sort();
    assert.deepEqual(names, [`${t}_default`, pname(t, -1), pname(t, 0), pname(t, 1), pname(t, 2)].sort());
  }
  assert.equal(r.created.length, 4 * PARTITIONED_TABLES.length);
  const again = await maintenance.run(NOW);
  assert.deepEqual([again.created, again.dropped, again.movedRows, again.deletedDefaultRows], [[], [], 0, 0]);
});

test('ingest lands in the day partitions; far past, far future and not-yet-created days land in the default partition', async () => {
  const plan: Array<[number, number]> = [
    [1, day(0)],
    [2, day(-1, 23)],
    [3, day(2)],
    [4, FAR_PAST],
    [5, FAR_FUTURE],
    [6, day(-2)], // inside retention but older than the partitions made ahead: default for now
  ];
  for (const [seq, start] of plan) assert.equal(await ingest.ingest(hostId, batch(seq, start)), 'committed');
  // A resend of a batch stored in the default partition is still a no-op.
  assert.equal(await ingest.ingest(hostId, batch(5, FAR_FUTURE)), 'duplicate');
  for (const t of PARTITIONED_TABLES) {
    const got = await placement(t);
    assert.deepEqual(got.get(pname(t, 0)), { rows: 2, sum: sumOf([1]) });
    assert.deepEqual(got.get(pname(t, -1)), { rows: 2, sum: sumOf([2]) });
    assert.deepEqual(got.get(pname(t, 2)), { rows: 2, sum: sumOf([3]) });
    assert.deepEqual(got.get(`${t}_default`), { rows: 6, sum: sumOf([4, 5, 6]) });
  }
});

test('the next run moves kept days out of the default partition and deletes stragglers older than retention', async () => {
  const r = await maintenance.run(NOW);
  assert.deepEqual(r.created.sort(), PARTITIONED_TABLES.map((t) => pname(t, -2)).sort());
  assert.equal(r.movedRows, 2 * PARTITIONED_TABLES.length); // batch 6
  assert.equal(r.deletedDefaultRows, 2 * PARTITIONED_TABLES.length); // batch 4 (2001)
  assert.equal(r.deletedBatches, 1); // ingest_batches row of batch 4
  for (const t of PARTITIONED_TABLES) {
    const got = await placement(t);
    assert.deepEqual(got.get(pname(t, -2)), { rows: 2, sum: sumOf([6]) });
    assert.deepEqual(got.get(`${t}_default`), { rows: 2, sum: sumOf([5]) }); // 2040 stays until its day comes
  }
});

test('retention detaches and drops exactly the partitions older than the cutoff; kept days keep exact totals', async () => {
  const later = new Date(NOW.getTime() + 2 * DAY); // cutoff = day(-1) 00:00
  const beforeTotals = new Map<string, Map<string, { rows: number; sum: number }>>();
  for (const t of PARTITIONED_TABLES) beforeTotals.set(t, await placement(t));
  const r = await maintenance.run(later);
  assert.deepEqual(r.dropped.sort(), PARTITIONED_TABLES.map((t) => pname(t, -2)).sort());
  assert.deepEqual(r.created.sort(), PARTITIONED_TABLES.flatMap((t) => [pname(t, 3), pname(t, 4)]).sort());
  assert.equal(r.deletedBatches, 1); // batch 6's ingest_batches row
  for (const t of PARTITIONED_TABLES) {
    const got = await placement(t);
    const was = beforeTotals.get(t)!;
    assert.equal(got.has(pname(t, -2)), false);
    for (const kept of [pname(t, -1), pname(t, 0), pname(t, 2), `${t}_default`]) assert.deepEqual(got.get(kept), was.get(kept), kept);
    const names = (await listPartitions(pg, t)).map((p) => p.name);
    assert.equal(names.includes(pname(t, -2)), false);
    const total = await pg.query<{ s: string }>(`SELECT sum(count)::text AS s FROM ${t}`);
    assert.equal(Number(total.rows[0]!.s), sumOf([1, 2, 3, 5]));
  }
  // Dropped tables are gone, not merely detached.
  const orphans = await pg.query(`SELECT relname FROM pg_class WHERE relname LIKE '%_p' || $1`, [pname('', -2).slice(2)]);
  assert.equal(orphans.rowCount, 0);
  const seqs = await pg.query<{ sequence: string }>(`SELECT sequence::text FROM ingest_batches WHERE host_id = $1 ORDER BY sequence`, [hostId]);
  assert.deepEqual(
    seqs.rows.map((x) => Number(x.sequence)),
    [1, 2, 3, 5],
  );
});

test('a second hub skips while one holds the lock; concurrent runs create every partition exactly once', async () => {
  const holder = new Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query(`SELECT pg_advisory_lock(hashtext('fleettune:partition-maintenance'))`);
    const blocked = await maintenance.run(new Date(NOW.getTime() + 10 * DAY));
    assert.equal(blocked.skipped, true);
    assert.deepEqual(blocked.created, []);
    assert.equal(
      (await listPartitions(pg, 'exec_counts')).some((p) => p.name === pname('exec_counts', 12)),
      false,
    );
  } finally {
    await holder.end();
  }
  // today = day 10, cutoff = day 7: days -1..4 are dropped, 9..12 created.
  const at = new Date(NOW.getTime() + 10 * DAY);
  const opts = { now: at, retentionDays: RETENTION, aheadDays: AHEAD };
  const runs = await Promise.all([maintainPartitions(db.url, opts), maintainPartitions(db.url, opts), maintainPartitions(db.url, opts)]);
  const created = runs.flatMap((r) => r.created);
  assert.equal(new Set(created).size, created.length, 'no partition created twice');
  const expected = PARTITIONED_TABLES.flatMap((t) => [9, 10, 11, 12].map((o) => pname(t, o)));
  assert.deepEqual(created.sort(), expected.sort());
  for (const t of PARTITIONED_TABLES) {
    const names = (await listPartitions(pg, t)).map((p) => p.name).sort();
    assert.deepEqual(names, [`${t}_default`, ...[9, 10, 11, 12].map((o) => pname(t, o))].sort());
  }
});

test('ingest running while maintenance moves its day out of the default partition loses and doubles nothing', async () => {
  const prisma = hub.app.get(PrismaService);
  const host = (await prisma.host.create({ data: { hostname: 'part-concurrent', os: 'linux' } })).id;
  const at = new Date(NOW.getTime() + 20 * DAY);
  const base = day(20, 0);
  const N = 60;
  const send = async (seq: number) => {
    const b = batch(seq, base + seq * 60_000);
    return ingest.ingest(host, { ...b, hostId: host });
  };
  const first = await Promise.all(Array.from({ length: 20 }, (_, i) => send(100 + i))); // into the default partition
  const [rest, run] = await Promise.all([
    (async () => {
      const out = [];
      for (let i = 20; i < N; i += 4) out.push(...(await Promise.all([0, 1, 2, 3].map((k) => send(100 + i + k)))));
      return out;
    })(),
    maintenance.run(at),
  ]);
  assert.ok([...first, ...rest].every((o) => o === 'committed'));
  assert.ok(run.created.includes(pname('exec_counts', 20)));
  for (const t of PARTITIONED_TABLES) {
    const r = await pg.query<{ part: string; rows: number; sum: string }>(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS rows, sum(count)::text AS sum FROM ${t} WHERE host_id = $1 GROUP BY 1`,
      [host],
    );
    assert.deepEqual(
      r.rows.map((x) => x.part),
      [pname(t, 20)],
      `${t}: every row in the day's partition`,
    );
    assert.equal(r.rows[0]!.rows, 2 * N);
    assert.equal(Number(r.rows[0]!.sum), sumOf(Array.from({ length: N }, (_, i) => 100 + i)));
  }
});

test('drift stays clean with run-time partitions: the schema engine describes partitioned parents and skips their partitions', async () => {
  // Daily partitions exist here (made by the runs above) that no migration created.
  assert.ok((await listPartitions(pg, 'file_counts')).length > 1);
  const d = await checkDrift({ databaseUrl: db.url });
  assert.equal(d.databaseDrift, '');
  assert.equal(d.schemaDrift, '');
  assert.equal(d.drift, false);
});

test("a hub started with maintenance on makes today's and the coming days' partitions by itself", async () => {
  const booted = await startTestHub('partitions_boot_spec', { FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '3600', FLEETTUNE_PARTITION_AHEAD_DAYS: '2' });
  const c = new Client({ connectionString: booted.db.url });
  await c.connect();
  try {
    const today = startOfUtcDay(new Date());
    const wanted = PARTITIONED_TABLES.flatMap((t) => [0, 1, 2].map((o) => dailyPartitionName(t, new Date(today.getTime() + o * DAY))));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const have = new Set((await Promise.all(PARTITIONED_TABLES.map((t) => listPartitions(c, t)))).flat().map((p) => p.name));
      if (wanted.every((w) => have.has(w))) break;
      if (Date.now() > deadline) assert.fail(`missing partitions: ${wanted.filter((w) => !have.has(w)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await c.end();
    await booted.hub.close();
    await booted.db.drop();
  }
});
