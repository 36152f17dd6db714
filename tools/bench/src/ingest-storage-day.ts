#!/usr/bin/env node
/**
 * Storage per host per day, measured (`npm run bench:storage`): N simulated
 * hosts stream one whole UTC day (yesterday) of 60 s windows (1,440 each;
 * --window-s 900 for the tuning guides' 15-minute windows, 96 each),
 * time-compressed, through a hub process. The hub's partition maintenance
 * (run at start) has made yesterday's daily partitions, so the rows land in
 * them as in production; then pg_total_relation_size of every table the
 * ingest writes (heap + indexes + TOAST, summed over partitions) per host.
 *   node tools/bench/dist/ingest-storage-day.js [--hosts 3] [--max-rows 100] [--window-s 60] [--json]
 */
import { Command } from 'commander';
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { createMigratedTestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { SIMULATED_FLEET_ENROLL_ENV, loadTemplates, makeHostProfiles, runFleet, startHubProcess, throwAwayHubEnv } from '@fleettune/simulator';
import { partitionSizes, TOTAL_SIZE_SQL } from './ingest-storage';

const DAY_MS = 86_400_000;
const RAW_TABLES = ['exec_counts', 'file_counts', 'audit_key_counts', 'syscall_counts', 'ingest_batches'];
const PARTITIONED = RAW_TABLES.slice(0, 4);

async function waitForPartition(db: string, name: string, timeoutMs: number): Promise<boolean> {
  return withDatabaseClient(db, async (c) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      const r = await c.query('SELECT 1 FROM pg_class WHERE relname = $1', [name]);
      if (r.rowCount) return true;
      await new Promise((res) => setTimeout(res, 200));
    }
    return false;
  });
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--hosts <n>', 'simulated hosts', Number, 3)
    .option('--max-rows <n>', 'top exec+file rows per window (0 = as recorded)', Number, 100)
    .option('--window-s <n>', 'window length in seconds (60 = the agent default, 900 = 15 minutes)', Number, 60)
    .option('--windows <n>', 'windows per host (default: one day of them)', Number)
    .option('--interval-ms <ms>', 'compressed time between windows', Number, 100)
    .option('--json', 'print the result as JSON')
    .option('--keep', 'keep the database')
    .parse()
    .opts<{ hosts: number; maxRows: number; windowS: number; windows?: number; intervalMs: number; json?: boolean; keep?: boolean }>();
  if (!Number.isInteger(o.windowS) || o.windowS < 1 || 86_400 % o.windowS !== 0) throw new Error('--window-s must divide a day (60, 300, 900, 3600, ...)');
  const windowMs = o.windowS * 1000;
  const windows = o.windows ?? 86_400 / o.windowS;
  const log = (s: string) => process.stderr.write(`storage-day: ${s}\n`);
  const secret = `bench-enroll-${randomBytes(12).toString('hex')}`;
  const db = await createMigratedTestDatabase('bench_storage');
  const hub = await startHubProcess(
    throwAwayHubEnv(db.url, 'bench-storage', {
      FLEETTUNE_ENROLL_SECRET: secret,
      ...SIMULATED_FLEET_ENROLL_ENV,
      FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '3600',
    }),
  );
  try {
    const yesterday = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
    const dayPartition = (t: string) => `${t}_p${new Date(yesterday).toISOString().slice(0, 10).replace(/-/g, '')}`;
    if (!(await waitForPartition(db.url, dayPartition('syscall_counts'), 60_000))) {
      log("warning: the hub has not created yesterday's partitions; rows will land in the default partitions");
    }
    const templates = await loadTemplates({ windowMs });
    const hosts = makeHostProfiles(o.hosts, templates, { runId: randomBytes(3).toString('hex'), seed: 13, outlierFraction: 0, appDropChance: 0.15 });
    const r = await runFleet({
      hub: hub.grpcAddress,
      enrollSecret: secret,
      hosts,
      intervalMs: o.intervalMs,
      windowMs,
      durationMs: windows * o.intervalMs,
      maxRows: o.maxRows,
      maxInFlight: 32,
      enrollConcurrency: 4,
      ownConnection: true,
      firstWindowStartMs: yesterday,
      drainTimeoutMs: 900_000,
      progressEveryMs: 10_000,
      onProgress: (p) => log(`${(p.elapsedMs / 1000).toFixed(0)}s ${p.phase}: acked ${p.acked}/${o.hosts * windows} (${p.rowsAcked} rows), errors ${p.errors}`),
    });
    if (r.errors || r.unacked) throw new Error(`simulation incomplete: ${JSON.stringify(r.errorKinds)} unacked ${r.unacked}`);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('VACUUM ANALYZE');
    // Every top-level table with data: the raw tables plus whatever the ingest
    // path feeds (rollups); partitions are summed into their parent.
    const { rows } = await pg.query<{ relname: string }>(`
      SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
      WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'`);
    const tables: Array<{ table: string; rows: number; bytes: number; raw: boolean }> = [];
    for (const { relname } of rows) {
      const s = await pg.query<{ n: string; b: string }>(`SELECT (SELECT count(*) FROM "${relname}")::text AS n, ${TOTAL_SIZE_SQL(relname)}::text AS b`);
      const n = Number(s.rows[0]!.n);
      if (n === 0) continue;
      tables.push({ table: relname, rows: n, bytes: Number(s.rows[0]!.b), raw: RAW_TABLES.includes(relname) });
    }
    tables.sort((a, b) => b.bytes - a.bytes);
    const partitions: Record<string, Array<{ partition: string; rows: number; bytes: number }>> = {};
    for (const t of PARTITIONED) partitions[t] = (await partitionSizes(pg, t)).filter((p) => p.rows > 0 || p.partition === `${t}_default`);
    await pg.end();

    const days = (windows * windowMs) / DAY_MS;
    const sum = (f: (t: (typeof tables)[number]) => boolean) => tables.filter(f).reduce((a, t) => a + t.bytes, 0);
    const total = sum(() => true);
    const raw = sum((t) => t.raw);
    // What grows with hosts: the partitions holding the rows plus ingest_batches, without the fixed
    // cost of the empty partitions made ahead (a few KiB of empty indexes each, per table, not per host).
    const filled =
      Object.values(partitions)
        .flat()
        .filter((p) => p.rows > 0)
        .reduce((a, p) => a + p.bytes, 0) + sum((t) => t.table === 'ingest_batches');
    const perHostDay = {
      all: total / o.hosts / days,
      raw: raw / o.hosts / days,
      other: (total - raw) / o.hosts / days,
      rawFilledPartitions: filled / o.hosts / days,
    };
    const result = {
      hosts: o.hosts,
      windows,
      windowSeconds: o.windowS,
      maxRows: o.maxRows,
      days,
      rowsPerWindow: r.rowsAcked / (o.hosts * windows),
      tables,
      partitions,
      bytesPerHostDay: perHostDay,
    };
    if (o.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    const mib = (b: number) => (b / 1048576).toFixed(2);
    for (const t of tables) {
      process.stdout.write(`  ${t.table.padEnd(20)} ${String(t.rows).padStart(9)} rows ${mib(t.bytes).padStart(9)} MiB${t.raw ? '' : '  (not raw)'}\n`);
    }
    process.stdout.write('partitions with rows (the day is yesterday UTC):\n');
    for (const parts of Object.values(partitions)) {
      for (const p of parts) process.stdout.write(`  ${p.partition.padEnd(28)} ${String(p.rows).padStart(9)} rows ${mib(p.bytes).padStart(9)} MiB\n`);
    }
    process.stdout.write(
      `${o.hosts} hosts x ${windows} windows of ${o.windowS} s (${days.toFixed(2)} day), top ${o.maxRows || 'all'} rows, ${result.rowsPerWindow.toFixed(0)} rows/window\n` +
        `bytes/host/day     ${mib(perHostDay.all)} MiB all tables, ${mib(perHostDay.raw)} MiB raw count tables + ingest_batches, ${mib(perHostDay.other)} MiB other (rollups, hosts, ...)\n` +
        `                   ${mib(perHostDay.rawFilledPartitions)} MiB raw in the partitions that hold rows + ingest_batches (what grows per host)\n`,
    );
  } finally {
    await hub.stop();
    if (!o.keep) await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`storage-day: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
