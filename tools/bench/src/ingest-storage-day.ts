#!/usr/bin/env node
/**
 * Storage per host per day, measured: N simulated hosts stream a whole day
 * of 60 s windows (1,440 each, time-compressed) through the hub, then
 * pg_total_relation_size of every table the ingest writes (count tables and
 * the rollup tables, heap + indexes + TOAST) divided by hosts.
 *   node tools/bench/dist/ingest-storage-day.js [--hosts 3] [--max-rows 100]
 */
import { Command } from 'commander';
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { createMigratedTestDatabase } from '@fleettune/db-tools';
import { loadTemplates, makeHostProfiles, runFleet, startHubProcess } from '@fleettune/simulator';

async function main(): Promise<void> {
  const o = new Command()
    .option('--hosts <n>', 'simulated hosts', Number, 3)
    .option('--max-rows <n>', 'top exec+file rows per window (0 = as recorded)', Number, 100)
    .option('--windows <n>', 'windows per host (1,440 = one day of 60 s windows)', Number, 1440)
    .option('--interval-ms <ms>', 'compressed time between windows', Number, 100)
    .option('--keep', 'keep the database')
    .parse()
    .opts();
  const log = (s: string) => process.stderr.write(`storage-day: ${s}\n`);
  const secret = `bench-enroll-${randomBytes(12).toString('hex')}`;
  const db = await createMigratedTestDatabase('bench_storage');
  const hub = await startHubProcess({
    DATABASE_URL: db.url, HTTP_PORT: '0', GRPC_PORT: '0', BIND_HOST: '127.0.0.1', FLEETTUNE_ENROLL_SECRET: secret,
    FLEETTUNE_QUEUE_PREFIX: `bench-storage-${process.pid}`, FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0', LOG_LEVEL: 'warn',
  });
  try {
    const windowMs = 60_000;
    const templates = await loadTemplates({ windowMs });
    const hosts = makeHostProfiles(o.hosts, templates, { runId: randomBytes(3).toString('hex'), seed: 13, outlierFraction: 0, appDropChance: 0.15 });
    const r = await runFleet({
      hub: hub.grpcAddress, enrollSecret: secret, hosts, intervalMs: o.intervalMs, windowMs,
      durationMs: o.windows * o.intervalMs, maxRows: o.maxRows, maxInFlight: 32, enrollConcurrency: 4, ownConnection: true,
      firstWindowStartMs: Math.floor((Date.now() - 2 * 86_400_000) / windowMs) * windowMs, drainTimeoutMs: 900_000,
      progressEveryMs: 10_000,
      onProgress: (p) => log(`${(p.elapsedMs / 1000).toFixed(0)}s ${p.phase}: acked ${p.acked}/${o.hosts * o.windows} (${p.rowsAcked} rows), errors ${p.errors}`),
    });
    if (r.errors || r.unacked) throw new Error(`simulation incomplete: ${JSON.stringify(r.errorKinds)} unacked ${r.unacked}`);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query('VACUUM ANALYZE');
    const { rows } = await pg.query<{ relname: string; n: string; bytes: string }>(`
      SELECT c.relname, c.reltuples::bigint::text AS n, pg_total_relation_size(c.oid)::text AS bytes
      FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
      WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND c.relname IN ('ingest_batches','exec_counts','file_counts','audit_key_counts','syscall_counts','activity_rollups','activity_subjects','rollup_hosts')
      ORDER BY pg_total_relation_size(c.oid) DESC`);
    await pg.end();
    const mib = (b: number) => (b / 1048576).toFixed(2);
    let total = 0;
    let raw = 0;
    for (const t of rows) {
      total += Number(t.bytes);
      if (!t.relname.startsWith('activity_') && t.relname !== 'rollup_hosts') raw += Number(t.bytes);
      process.stdout.write(`  ${t.relname.padEnd(18)} ${t.n.padStart(9)} rows ${mib(Number(t.bytes)).padStart(9)} MiB\n`);
    }
    const days = (o.windows * windowMs) / 86_400_000;
    process.stdout.write(
      `${o.hosts} hosts x ${o.windows} windows of 60 s (${days.toFixed(2)} day), top ${o.maxRows || 'all'} rows, ${Math.round(r.rowsAcked / (o.hosts * o.windows))} rows/window\n` +
        `bytes/host/day     ${mib(total / o.hosts / days)} MiB all tables, ${mib(raw / o.hosts / days)} MiB raw count tables, ${mib((total - raw) / o.hosts / days)} MiB rollups\n`,
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
