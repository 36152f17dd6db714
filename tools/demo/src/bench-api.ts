/**
 * `npm run bench:api`: the dashboard's REST queries against a simulated
 * 10,000-host fleet. Raw counts are generated with SQL (INSERT ... SELECT
 * generate_series) into a fresh migrated database, every batch is queued in
 * rollup_pending exactly as ingest queues it, and the real hub process's
 * rollup worker builds the rollups the API reads (the same statements as in
 * production; its time is printed). Then each endpoint is timed over HTTP
 * (sequential requests after a warm-up). Prints p50/p95 per endpoint; exits
 * 1 when a p95 is over the budget (BENCH_BUDGET_MS, default 100).
 *
 * Size: BENCH_HOSTS (10000) x BENCH_WINDOWS hourly windows (24) x
 * BENCH_EXECS / BENCH_FILES rows per host and window (8 / 8), plus 3 audit
 * keys and 4 syscalls per host and window. Host tags: `canary` on 1 % of the
 * hosts, `team:payments` on 5 %, `prod` on 50 %.
 */
import { Client } from 'pg';
import { createMigratedTestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { throwAwayHubEnv } from './hub-env';
import { HubProcess, startHubProcess } from './hub-process';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 24);
const EXECS = Number(process.env.BENCH_EXECS ?? 8);
const FILES = Number(process.env.BENCH_FILES ?? 8);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 100);
const KEEP = process.env.BENCH_KEEP_DB === '1';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const ROLLUP_STEP = Number(process.env.BENCH_ROLLUP_STEP ?? 5000);

/** Waits until the hub's rollup worker has applied every queued batch, printing its progress and rate; then VACUUM ANALYZE (what autovacuum would do). */
async function waitForRollups(url: string): Promise<void> {
  await withDatabaseClient(url, async (c) => {
    const pending = async () => Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM rollup_pending')).rows[0].n);
    const total = await pending();
    const t0 = Date.now();
    let last = t0;
    for (let left = total; left > 0; left = await pending()) {
      if (Date.now() - last > 15_000) {
        last = Date.now();
        process.stdout.write(`  rollup worker: ${total - left}/${total} batches in ${((last - t0) / 1000).toFixed(0)} s\n`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const s = (Date.now() - t0) / 1000;
    process.stdout.write(
      `  rollup worker (the hub's, ${ROLLUP_STEP} batches a step): ${total} batches in ${s.toFixed(1)} s (${Math.round(total / s)} batches/s)\n`,
    );
    const t = Date.now();
    await c.query('VACUUM ANALYZE noise_subjects, noise_fleet_hours, noise_host_hours, noise_host_bits, activity_rollups, rollup_hosts');
    process.stdout.write(`  vacuum analyze rollups: ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    const sizes = await c.query<{ t: string; rows: string; mb: string }>(
      `SELECT relname AS t, n_live_tup::text AS rows, (pg_total_relation_size(relid) / 1048576)::text AS mb FROM pg_stat_user_tables
       WHERE relname IN ('noise_fleet_hours', 'noise_host_hours', 'noise_host_bits', 'noise_subjects', 'activity_rollups') ORDER BY relname`,
    );
    process.stdout.write(`  rollup tables: ${sizes.rows.map((r) => `${r.t} ${r.rows} rows ${r.mb} MiB`).join(', ')}\n`);
  });
}

async function generate(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const t0 = Date.now();
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const t = Date.now();
    const r = await c.query(sql, params);
    process.stdout.write(`  ${label}: ${r.rowCount ?? 0} rows in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  };
  try {
    // Hosts: 90 % reported in the last 5 minutes (online), the rest hours ago (stale).
    await step(
      'hosts',
      `INSERT INTO hosts (id, hostname, os, machine_id, agent_version, created_at, last_seen_at)
       SELECT gen_random_uuid(), 'host-' || lpad(g::text, 5, '0'), CASE WHEN g % 3 = 0 THEN 'darwin' ELSE 'linux' END,
              'machine-' || g, CASE WHEN g % 10 = 0 THEN '0.1.0' ELSE '0.2.0' END, now() - interval '30 days',
              CASE WHEN g % 10 = 0 THEN now() - interval '6 hours' ELSE now() - (g % 300) * interval '1 second' END
       FROM generate_series(1, $1::int) g`,
      [HOSTS],
    );
    await c.query(`CREATE TEMP TABLE bench_hosts AS SELECT id, row_number() OVER (ORDER BY hostname) AS n FROM hosts`);
    // One batch per host and hourly window, ending at the current hour.
    await step(
      'ingest_batches',
      `INSERT INTO ingest_batches (host_id, sequence, source, window_start, window_end, events, skipped, dropped)
       SELECT h.id, w, 'linux-audit', date_trunc('hour', now()) - (w * interval '1 hour'),
              date_trunc('hour', now()) - ((w - 1) * interval '1 hour'), 1000, 0, 0
       FROM bench_hosts h, generate_series(1, $1::int) w`,
      [WINDOWS],
    );
    // Execs: a skewed vocabulary of 300 programs (a few are everywhere and loud), 12 parents, per-host users.
    await step(
      'exec_counts',
      `INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, parent_path, "user", count)
       SELECT b.host_id, b.sequence, b.source, b.window_start, b.window_end,
              '/usr/bin/tool-' || ((e * e * 7 + h.n * (e + 1)) % 300),
              '/opt/agent-' || ((h.n + e) % 12) || '/bin/agent',
              'user' || (h.n % 500),
              1 + ((h.n * 31 + e * 17 + b.sequence) % 50) * (CASE WHEN e < 2 THEN 40 ELSE 1 END)
       FROM ingest_batches b JOIN bench_hosts h ON h.id = b.host_id, generate_series(0, $1::int - 1) e`,
      [EXECS],
    );
    await step(
      'file_counts',
      `INSERT INTO file_counts (host_id, sequence, source, window_start, window_end, path, op, process_path, count)
       SELECT b.host_id, b.sequence, b.source, b.window_start, b.window_end,
              CASE WHEN f % 4 = 0 THEN '/home/user' || (h.n % 500) || '/.cache/app-' || (f % 7) || '/sync.log'
                   ELSE '/var/lib/svc-' || ((h.n + f * 13) % 200) || '/data-' || (f % 5) || '.db' END,
              CASE WHEN f % 2 = 0 THEN 'write' ELSE 'create' END,
              '/usr/bin/tool-' || (f % 300),
              1 + ((h.n * 13 + f * 7 + b.sequence) % 200)
       FROM ingest_batches b JOIN bench_hosts h ON h.id = b.host_id, generate_series(0, $1::int - 1) f`,
      [FILES],
    );
    await step(
      'audit_key_counts',
      `INSERT INTO audit_key_counts (host_id, sequence, window_start, key, count)
       SELECT b.host_id, b.sequence, b.window_start, (ARRAY['exec', 'buildcache', 'appcache'])[k], 10 + (b.sequence * k) % 90
       FROM ingest_batches b, generate_series(1, 3) k`,
    );
    await step(
      'syscall_counts',
      `INSERT INTO syscall_counts (host_id, sequence, window_start, syscall, count)
       SELECT b.host_id, b.sequence, b.window_start, (ARRAY['execve', 'openat', 'unlinkat', 'rename'])[s], 10 + (b.sequence * s) % 90
       FROM ingest_batches b, generate_series(1, 4) s`,
    );
    // Ingest queues each committed batch for the rollup worker in the same statement; the same rows here.
    await step(
      'rollup_pending',
      `INSERT INTO rollup_pending (host_id, sequence, window_start)
       SELECT host_id, sequence, window_start FROM ingest_batches ORDER BY window_start, host_id`,
    );
    await step(
      'host tags',
      `UPDATE hosts h SET tags = array_remove(ARRAY[CASE WHEN b.n % 100 = 7 THEN 'canary' END, CASE WHEN b.n % 20 = 3 THEN 'team:payments' END,
                                                   CASE WHEN b.n % 2 = 0 THEN 'prod' END], NULL)
       FROM bench_hosts b WHERE b.id = h.id`,
    );
    await step('analyze', 'ANALYZE');
    process.stdout.write(`  generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await c.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  process.stdout.write(`bench:api: ${HOSTS} hosts x ${WINDOWS} hourly windows x (${EXECS} execs + ${FILES} files) per window\n`);
  const db = await createMigratedTestDatabase('bench_api');
  let hub: HubProcess | undefined;
  try {
    await generate(db.url);
    hub = await startHubProcess(
      throwAwayHubEnv(db.url, 'bench', {
        FLEETTUNE_ADMIN_TOKEN: ADMIN,
        // The bench measures latency back to back; the per-token rate limit is not what it measures.
        FLEETTUNE_API_REQUESTS_PER_SECOND: '1000000',
        FLEETTUNE_ROLLUP_INTERVAL_MS: '200',
        FLEETTUNE_ROLLUP_BATCHES_PER_STEP: String(ROLLUP_STEP),
      }),
    );
    await waitForRollups(db.url);
    const base = hub.httpUrl;
    const get = async (p: string): Promise<Response> => fetch(`${base}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const hosts = (await (await get('/api/v1/hosts?limit=1')).json()) as Array<{ id: string }>;
    const topExec = ((await (await get('/api/v1/noise/execs?top=1')).json()) as Array<{ subject: string }>)[0]?.subject ?? '/usr/bin/tool-0';
    const since = encodeURIComponent(new Date(Date.now() - 6 * 3600_000).toISOString());
    const enc = encodeURIComponent(topExec);
    const endpoints = [
      '/api/v1/me',
      '/api/v1/hosts?limit=50',
      '/api/v1/hosts?limit=50&offset=5000&status=stale',
      '/api/v1/hosts?limit=50&q=host-0999',
      `/api/v1/hosts/${hosts[0].id}`,
      `/api/v1/hosts/${hosts[0].id}/noise?kind=exec&top=15`,
      `/api/v1/hosts/${hosts[0].id}/noise?kind=file&top=15`,
      '/api/v1/noise/execs?top=10',
      '/api/v1/noise/parents?top=10',
      '/api/v1/noise/files?top=10',
      '/api/v1/noise/directories?top=10',
      '/api/v1/noise/extensions?top=10',
      '/api/v1/noise/keys?top=10',
      '/api/v1/noise/syscalls?top=10',
      `/api/v1/noise/execs?top=10&since=${since}`,
      '/api/v1/noise/execs?top=10&os=darwin',
      '/api/v1/noise/files?top=10&source=linux-audit&os=linux',
      '/api/v1/hosts?limit=50&tag=team:payments',
      '/api/v1/noise/execs?top=10&tag=canary',
      '/api/v1/noise/execs?top=10&tag=team:payments',
      '/api/v1/noise/files?top=10&tag=team:payments',
      '/api/v1/noise/trend?kind=exec',
      '/api/v1/noise/trend?kind=file',
      `/api/v1/noise/trend?kind=exec&subject=${enc}`,
      `/api/v1/noise/trend?kind=exec&subject=${enc}&bucket=day`,
      `/api/v1/noise/trend?kind=exec&tag=team:payments`,
      `/api/v1/noise/subject?kind=exec&subject=${enc}`,
      `/api/v1/noise/subject?kind=exec&subject=${enc}&tag=team:payments`,
      '/api/v1/audit-log?limit=50',
      '/api/v1/tokens',
    ];
    const results: Array<{ endpoint: string; p50: number; p95: number; max: number; status: number }> = [];
    for (const ep of endpoints) {
      let status = 0;
      for (let i = 0; i < 2; i++) {
        const res = await get(ep);
        await res.arrayBuffer();
        status = res.status;
      }
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const res = await get(ep);
        await res.arrayBuffer();
        times.push(performance.now() - t);
        status = res.status;
        // Far over budget: a few runs tell enough.
        if (i >= 4 && Math.min(...times) > 10 * BUDGET_MS) break;
      }
      times.sort((a, b) => a - b);
      const r = {
        endpoint: ep.replace(hosts[0].id, '{id}').replace(since, '{6h ago}').replace(enc, '{top exec}'),
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        max: times[times.length - 1],
        status,
      };
      results.push(r);
      process.stdout.write(
        `${r.p95 <= BUDGET_MS ? 'ok  ' : 'SLOW'} p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  [${r.status}] ${r.endpoint}\n`,
      );
    }
    const slow = results.filter((r) => r.p95 > BUDGET_MS || r.status !== 200);
    process.stdout.write(`\n${results.length - slow.length}/${results.length} endpoints answered 200 with p95 <= ${BUDGET_MS} ms\n`);
    process.exitCode = slow.length ? 1 : 0;
  } finally {
    await hub?.stop();
    if (KEEP) process.stdout.write(`kept database ${db.url}\n`);
    else await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
