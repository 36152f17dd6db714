import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Client } from 'pg';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '@fleettune/db-tools';
import { listPartitions, maintainPartitions, PARTITIONED_TABLES, startOfUtcDay } from './partition-maintenance.repository';

/** The tables the partitioning migration converted (initiator_counts came later, partitioned from the start). */
const CONVERTED_TABLES = PARTITIONED_TABLES.filter((t) => t !== 'initiator_counts');

// The partitioning migration on a database that already holds counts: every
// row survives (same ids, same values), ids keep counting from the old
// sequence, and maintenance then moves kept days into daily partitions.
const MIGRATION = '20261124082215_partition_count_tables';
const DAY = 86_400_000;
const server = process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/fleettune';
const dbName = `partition_migration_spec_${process.pid}`;
const onDatabase = (name: string) => {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
};
const url = onDatabase(dbName);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-migrations-'));

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: onDatabase('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

after(async () => {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the partitioning migration keeps existing rows; maintenance then moves kept days out of the default partition', async () => {
  // Migrations up to (not including) the partitioning one.
  const before = path.join(tmp, 'before');
  fs.mkdirSync(before);
  for (const m of fs.readdirSync(DEFAULT_MIGRATIONS_DIR)) {
    if (m === 'migration_lock.toml' || m < MIGRATION) fs.cpSync(path.join(DEFAULT_MIGRATIONS_DIR, m), path.join(before, m), { recursive: true });
  }
  await applyMigrations({ databaseUrl: url, migrationsDir: before });
  const now = new Date();
  const today = startOfUtcDay(now).getTime();
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    // 5 days of rows (today-4 .. today) plus one from 2001, in each count table.
    const days = [0, 1, 2, 3, 4].map((d) => new Date(today - d * DAY + 3600_000).toISOString());
    const stamps = [...days, '2001-01-01T00:00:00Z'];
    for (const [i, ts] of stamps.entries()) {
      const host = `00000000-0000-4000-8000-00000000000${i}`;
      await c.query(
        `INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, count) VALUES ($1, 1, 'linux-audit', $2::timestamptz AT TIME ZONE 'UTC', $2::timestamptz AT TIME ZONE 'UTC', '/bin/x', $3)`,
        [host, ts, i + 1],
      );
      await c.query(
        `INSERT INTO file_counts (host_id, sequence, source, window_start, window_end, path, op, count) VALUES ($1, 1, 'linux-audit', $2::timestamptz AT TIME ZONE 'UTC', $2::timestamptz AT TIME ZONE 'UTC', '/tmp/x', 'create', $3)`,
        [host, ts, 10 * (i + 1)],
      );
      await c.query(
        `INSERT INTO audit_key_counts (host_id, sequence, window_start, key, count) VALUES ($1, 1, $2::timestamptz AT TIME ZONE 'UTC', 'exec', $3)`,
        [host, ts, 100 * (i + 1)],
      );
      await c.query(
        `INSERT INTO syscall_counts (host_id, sequence, window_start, syscall, count) VALUES ($1, 1, $2::timestamptz AT TIME ZONE 'UTC', 'execve', $3)`,
        [host, ts, 1000 * (i + 1)],
      );
    }
    const snapshot = async (t: string) =>
      (await c.query<{ r: string }>(`SELECT string_agg(id || ':' || window_start || ':' || count, ',' ORDER BY id) AS r FROM ${t}`)).rows[0]!.r;
    const beforeRows = new Map<string, string>();
    for (const t of CONVERTED_TABLES) beforeRows.set(t, await snapshot(t));

    await applyMigrations({ databaseUrl: url });
    for (const t of CONVERTED_TABLES) {
      assert.equal(await snapshot(t), beforeRows.get(t), `${t}: every row kept as it was`);
      const kind = await c.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE relname = $1`, [t]);
      assert.equal(kind.rows[0]!.relkind, 'p', `${t} is partitioned`);
      assert.deepEqual(
        (await listPartitions(c, t)).map((p) => p.name),
        [`${t}_default`],
      );
    }
    // New rows continue the old id sequence (no id reuse).
    const maxBefore = Number((await c.query<{ m: string }>(`SELECT max(id)::text AS m FROM exec_counts`)).rows[0]!.m);
    const ins = await c.query<{ id: string }>(
      `INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, count) VALUES ('00000000-0000-4000-8000-0000000000ff', 2, 'linux-audit', now(), now(), '/bin/y', 7) RETURNING id::text`,
    );
    assert.ok(Number(ins.rows[0]!.id) > maxBefore);
    await c.query(`DELETE FROM exec_counts WHERE sequence = 2`);

    // Retention 3: today-4 and 2001 go, today-3..today move into daily partitions.
    const r = await maintainPartitions(url, { now, retentionDays: 3, aheadDays: 1 });
    assert.equal(r.movedRows, 4 * CONVERTED_TABLES.length);
    assert.equal(r.deletedDefaultRows, 2 * CONVERTED_TABLES.length);
    for (const [t, unit] of [
      ['exec_counts', 1],
      ['file_counts', 10],
      ['audit_key_counts', 100],
      ['syscall_counts', 1000],
    ] as const) {
      const byPart = await c.query<{ part: string; sum: string }>(`SELECT tableoid::regclass::text AS part, sum(count)::text AS sum FROM ${t} GROUP BY 1`);
      assert.equal(
        byPart.rows.some((x) => x.part === `${t}_default`),
        false,
        `${t}: default partition emptied`,
      );
      const total = byPart.rows.reduce((a, x) => a + Number(x.sum), 0);
      assert.equal(total, unit * (1 + 2 + 3 + 4), `${t}: the kept days' totals are exact`);
    }
  } finally {
    await c.end();
  }
});
