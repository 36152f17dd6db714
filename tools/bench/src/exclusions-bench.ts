#!/usr/bin/env node
/**
 * npm run bench:exclusions — one exclusion recompute (BullMQ job in a real
 * hub process) over a fleet rollup of 10,000 hosts x 500 subjects, printing
 * the total beside the time of the rollup query alone. The rollup is seeded
 * directly in PostgreSQL (what ingest would have accumulated), so only the
 * recompute is timed. Budget: < 10 s on a 2-core machine.
 */
import { Command } from 'commander';
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMigratedTestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { HubProcess, startHubProcess, throwAwayHubEnv } from '@fleettune/simulator';

interface Timings {
  rollupQueryMs: number;
  decodeMs: number;
  engineMs: number;
  storeMs: number;
  totalMs: number;
  hubCpuMs: number;
  engineCpuMs: number;
}

const UTILITIES = ['grep', 'cat', 'date', 'id', 'uname', 'sed', 'awk', 'find', 'rm', 'ls'];

/** 500 subjects shaped like a real fleet: noisy daemons, utilities run by agents, numbered temp files, logs, quiet ones. */
function subjects(n: number): Array<[string, string, string, string]> {
  const out: Array<[string, string, string, string]> = [];
  for (let i = 0; out.length < n; i++) {
    switch (i % 5) {
      case 0:
        out.push(['exec', `/opt/app${i}/bin/app${i}d`, '/usr/lib/systemd/systemd', 'root']);
        break;
      case 1:
        out.push(['exec', `/usr/bin/${UTILITIES[i % UTILITIES.length]}`, `/opt/agent${i}/bin/runner`, i % 2 ? 'root' : 'daemon']);
        break;
      case 2:
        out.push(['file', `/var/cache/app${i % 20}/chunk-${i}.tmp`, '', '']);
        break;
      case 3:
        out.push(['file', `/var/log/app${i}/app${i}.log`, '', '']);
        break;
      default:
        out.push(['exec', `/opt/quiet${i}/bin/q`, '/sbin/init', 'root']);
    }
  }
  return out;
}

/**
 * Raw rows the engine reads beside the rollup: per host, `n` processes with
 * Defender files-scanned counts (mdatp-rtp exec rows) and `n` auditd
 * initiators writing into their own directories (linux-audit file rows).
 */
async function seedRaw(c: Client, n: number, bins: number, baseBin: number, log: (s: string) => void): Promise<void> {
  const t = Date.now();
  await c.query(
    `INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, parent_path, "user", count)
     SELECT h.host_id, p, 'mdatp-rtp', to_timestamp(($1::int + (h.seq + p) % $2::int) * 1200) AT TIME ZONE 'UTC',
            to_timestamp(($1::int + (h.seq + p) % $2::int) * 1200 + 60) AT TIME ZONE 'UTC',
            '/opt/scanned' || p || '/bin/proc', '', '', 1 + (h.seq * 31 + p * 977) % 5000
     FROM rollup_hosts h, generate_series(1, $3::int) p`,
    [baseBin, bins, n],
  );
  await c.query(
    `INSERT INTO file_counts (host_id, sequence, source, window_start, window_end, path, op, process_path, count)
     SELECT h.host_id, 1000 + p, 'linux-audit', to_timestamp(($1::int + (h.seq + p) % $2::int) * 1200) AT TIME ZONE 'UTC',
            to_timestamp(($1::int + (h.seq + p) % $2::int) * 1200 + 60) AT TIME ZONE 'UTC',
            '/var/lib/auditee' || p || '/data/f' || (h.seq % 10), 'modify', '/opt/auditee' || p || '/bin/d', 1 + (h.seq * 17 + p * 389) % 2000
     FROM rollup_hosts h, generate_series(1, $3::int) p`,
    [baseBin, bins, n],
  );
  await c.query('ANALYZE exec_counts');
  await c.query('ANALYZE file_counts');
  log(`seeded raw rows: ${n} scanned processes and ${n} audit initiators per host in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

async function seed(url: string, hosts: number, nSubjects: number, bins: number, rawProcesses: number, log: (s: string) => void): Promise<number> {
  return withDatabaseClient(url, async (c) => {
    const t = Date.now();
    const s = subjects(nSubjects);
    await c.query(
      `INSERT INTO activity_subjects (id, kind, path, parent_path, "user")
       SELECT i, k, p, pp, u FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(i, k, p, pp, u)`,
      [s.map((_, i) => i + 1), s.map((x) => x[0]), s.map((x) => x[1]), s.map((x) => x[2]), s.map((x) => x[3])],
    );
    await c.query(`INSERT INTO rollup_hosts (seq, host_id) SELECT g, gen_random_uuid() FROM generate_series(1, $1::int) g`, [hosts]);
    await c.query(`SELECT setval(pg_get_serial_sequence('rollup_hosts', 'seq'), $1::int)`, [hosts]);
    await c.query(`SELECT setval(pg_get_serial_sequence('activity_subjects', 'id'), $1::int)`, [nSubjects]);
    // Counts per (subject, host): every host reports every subject in one of `bins` 20-minute bins.
    // Each subject kind gets counts around its thresholds, so some hosts cross them and some do not.
    const baseBin = Math.floor(Date.UTC(2026, 10, 24) / 1000 / 1200);
    await c.query(
      `INSERT INTO activity_rollups (subject_id, host_seq, bin, count, peak_count, peak_window_seconds)
       SELECT s, h, $1::int + ((s + h) % $2::int),
              1 + ((s::bigint * 7919 + h::bigint * 104729) % 2500),
              1 + ((s::bigint * 7919 + h::bigint * 104729) % 2500) / 4,
              60
       FROM generate_series(1, $3::int) s, generate_series(1, $4::int) h`,
      [baseBin, bins, nSubjects, hosts],
    );
    await c.query('ANALYZE activity_rollups');
    if (rawProcesses > 0) await seedRaw(c, rawProcesses, bins, baseBin, log);
    const { rows } = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM activity_rollups');
    log(`seeded ${rows[0].n} rollup rows (${hosts} hosts x ${nSubjects} subjects) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return Number(rows[0].n);
  });
}

async function main(): Promise<void> {
  const o = new Command()
    .name('bench:exclusions')
    .option('--hosts <n>', 'hosts', Number, 10_000)
    .option('--subjects <n>', 'subjects per host', Number, 500)
    .option('--bins <n>', 'distinct 20-minute bins the counts fall in', Number, 3)
    .option('--raw-processes <n>', 'also seed raw mdatp-rtp and linux-audit rows for this many processes per host (read beside the rollup)', Number, 0)
    .option('--rounds <n>', 'recomputes (the first warms the hub and PostgreSQL caches)', Number, 2)
    .option('--budget-ms <n>', 'fail above this total', Number, 10_000)
    .option('--keep', 'keep the benchmark database')
    .option('--json', 'print the result as JSON')
    .parse()
    .opts();
  const log = (s: string) => process.stderr.write(`bench:exclusions: ${s}\n`);
  const db = await createMigratedTestDatabase('bench_exclusions');
  log(`database ${db.name}`);
  const admin = `bench-admin-${randomBytes(12).toString('hex')}`;
  let hub: HubProcess | undefined;
  const logFile = path.resolve(__dirname, '..', '..', '..', '.fleettune', 'bench-exclusions-hub.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const hubLog = fs.createWriteStream(logFile);
  log(`hub log: ${logFile}`);
  try {
    await seed(db.url, o.hosts, o.subjects, o.bins, o.rawProcesses, log);
    hub = await startHubProcess(
      throwAwayHubEnv(db.url, 'bench-exclusions', {
        FLEETTUNE_ADMIN_TOKEN: admin,
        // A fresh database per run, so a fresh key.
        FLEETTUNE_SECRETS_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'info',
      }),
      // Its own entry script: tools on a shared machine that stop hub processes by name leave the measurement alone.
      { script: path.join(__dirname, 'exclusions-bench-hub.js'), logTo: hubLog, timeoutMs: 60_000 },
    );
    hub.child.once('exit', (code, signal) => log(`hub process exited (code ${code}, signal ${signal})`));
    const call = async <T>(method: string, path: string): Promise<T> => {
      const res = await fetch(hub!.httpUrl + path, { method, headers: { authorization: `Bearer ${admin}` } });
      if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    };
    const results: Array<{ wallMs: number; items: number; rollupCells: number; rawRows?: number; timings: Timings }> = [];
    for (let round = 1; round <= o.rounds; round++) {
      const started = performance.now();
      const { jobId } = await call<{ jobId: string }>('POST', '/api/v1/exclusion-sets/recompute');
      for (;;) {
        const job = await call<{ state: string; result?: { items: number; rollupCells: number; rawRows?: number; timings: Timings }; failedReason?: string }>(
          'GET',
          `/api/v1/exclusion-sets/jobs/${jobId}`,
        );
        if (job.state === 'completed' && job.result) {
          const wallMs = performance.now() - started;
          results.push({ wallMs, ...job.result });
          const t = job.result.timings;
          log(
            `round ${round}: recompute total ${(t.totalMs / 1000).toFixed(2)} s | rollup query alone ${(t.rollupQueryMs / 1000).toFixed(2)} s | ` +
              `decode ${(t.decodeMs / 1000).toFixed(2)} s, engine ${(t.engineMs / 1000).toFixed(2)} s, store ${(t.storeMs / 1000).toFixed(2)} s | ` +
              `job wall ${(wallMs / 1000).toFixed(2)} s | hub CPU ${(t.hubCpuMs / 1000).toFixed(2)} s (engine ${(t.engineCpuMs / 1000).toFixed(2)} s) | ` +
              `load ${os.loadavg()[0].toFixed(1)} | ${job.result.rollupCells} cells (${job.result.rawRows ?? 0} from raw tables) -> ${job.result.items} items`,
          );
          break;
        }
        if (job.state === 'failed') throw new Error(`recompute failed: ${job.failedReason}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const sorted = [...results].sort((a, b) => a.timings.totalMs - b.timings.totalMs);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const summary = {
      hosts: o.hosts,
      subjects: o.subjects,
      rollupCells: median.rollupCells,
      items: median.items,
      medianTotalMs: median.timings.totalMs,
      medianRollupQueryMs: median.timings.rollupQueryMs,
      bestTotalMs: sorted[0].timings.totalMs,
      budgetMs: o.budgetMs,
      cpus: os.cpus().length,
      loadAverage1m: os.loadavg()[0],
      rounds: results.map((r) => r.timings),
    };
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      process.stdout.write(
        `recompute over ${o.hosts} hosts x ${o.subjects} subjects (${median.rollupCells} rollup cells, ${summary.cpus} CPUs): ` +
          `total ${(median.timings.totalMs / 1000).toFixed(2)} s (median of ${results.length}), rollup query alone ${(median.timings.rollupQueryMs / 1000).toFixed(2)} s; ` +
          `hub CPU ${(median.timings.hubCpuMs / 1000).toFixed(2)} s; load average ${os.loadavg()[0].toFixed(1)}; ` +
          `budget ${(o.budgetMs / 1000).toFixed(0)} s: ${median.timings.totalMs < o.budgetMs ? 'OK' : 'OVER'}\n`,
      );
    }
    if (median.timings.totalMs >= o.budgetMs) process.exitCode = 1;
  } finally {
    await hub?.stop();
    if (!o.keep) await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:exclusions failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
