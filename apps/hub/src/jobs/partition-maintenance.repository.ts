import type { Client } from 'pg';
import { newPgClient } from '../database/pg-client';
import { deleteExpiredRollups, RollupRetentionReport } from './rollup-retention.repository';

/**
 * The raw count tables, RANGE-partitioned on window_start: one partition per
 * UTC day plus a DEFAULT partition that catches every other timestamp (clock
 * skew, replays from long-offline agents), so an insert never fails for want
 * of a partition. Migrations 20261124082215_partition_count_tables, 20261207033258_initiator_counts.
 */
export const PARTITIONED_TABLES = ['exec_counts', 'file_counts', 'audit_key_counts', 'syscall_counts', 'initiator_counts'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export interface PartitionMaintenanceOptions {
  /** "Today" (UTC) is taken from this. */
  now: Date;
  /** Whole days kept before today; older daily partitions are dropped. */
  retentionDays: number;
  /** Daily partitions created ahead of today. */
  aheadDays: number;
  /** How long a step waits for a table lock before giving up until the next run (default 3 s: inserts queue behind the wait). */
  lockTimeoutMs?: number;
}

export interface PartitionMaintenanceReport {
  /** Another hub held the maintenance lock: this run did nothing. */
  skipped: boolean;
  /** Start of the oldest kept day (UTC). */
  cutoff: string;
  created: string[];
  dropped: string[];
  /** Rows moved out of the default partitions into new daily partitions. */
  movedRows: number;
  /** Rows older than the cutoff deleted from the default partitions. */
  deletedDefaultRows: number;
  /** ingest_batches rows older than the cutoff deleted. */
  deletedBatches: number;
  /** Rollup rows (activity_rollups, noise_*_hours, noise_host_bits) of bins before the cutoff deleted, per table. */
  deletedRollupRows: RollupRetentionReport;
}

/** Held for a whole run, so two hubs never maintain at once; the second one skips. */
const LOCK_KEY = 'fleettune:partition-maintenance';
const DAY_MS = 86_400_000;
const BATCH_DELETE_CHUNK = 10_000;

export function startOfUtcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC: window_start is `timestamp without time zone` holding UTC. */
export function sqlTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export function dailyPartitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export const defaultPartitionName = (table: string): string => `${table}_default`;

export interface Partition {
  name: string;
  /** Absent for the DEFAULT partition. */
  from?: Date;
  to?: Date;
}

const BOUND = /^FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)$/;

/** Parses pg_get_expr(relpartbound) of a range partition on a timestamp column. */
export function parsePartitionBound(name: string, bound: string): Partition {
  if (bound === 'DEFAULT') return { name };
  const m = BOUND.exec(bound);
  if (!m) throw new Error(`partition ${name}: unexpected bound ${bound}`);
  return { name, from: new Date(`${m[1]!.replace(' ', 'T')}Z`), to: new Date(`${m[2]!.replace(' ', 'T')}Z`) };
}

const q = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;

/**
 * Creates the coming days' partitions, moves rows that landed in the DEFAULT
 * partition into daily partitions once their day is inside the kept range,
 * and enforces retention by DETACH + DROP of whole daily partitions (no
 * DELETE, no bloat). Only stragglers in the DEFAULT partition and the narrow
 * ingest_batches rows (one per batch, unpartitioned: see the migration) are
 * deleted row-wise. Idempotent; every step is its own short transaction that
 * re-reads the catalog, under a session advisory lock held for the run.
 */
export async function maintainPartitions(databaseUrl: string, o: PartitionMaintenanceOptions): Promise<PartitionMaintenanceReport> {
  if (!Number.isInteger(o.retentionDays) || o.retentionDays < 1) throw new Error('retentionDays must be an integer >= 1');
  if (!Number.isInteger(o.aheadDays) || o.aheadDays < 0) throw new Error('aheadDays must be an integer >= 0');
  const today = startOfUtcDay(o.now);
  const cutoff = new Date(today.getTime() - o.retentionDays * DAY_MS);
  const horizon = new Date(today.getTime() + (o.aheadDays + 1) * DAY_MS); // exclusive
  const report: PartitionMaintenanceReport = {
    skipped: false,
    cutoff: cutoff.toISOString(),
    created: [],
    dropped: [],
    movedRows: 0,
    deletedDefaultRows: 0,
    deletedBatches: 0,
    deletedRollupRows: {},
  };
  const client = newPgClient({ connectionString: databaseUrl, application_name: 'fleettune-partition-maintenance' });
  await client.connect();
  try {
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [LOCK_KEY]);
    if (!lock.rows[0]?.ok) return { ...report, skipped: true };
    try {
      const inTx = async <T>(fn: () => Promise<T>): Promise<T> => {
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(o.lockTimeoutMs ?? 3_000))}`);
          const r = await fn();
          await client.query('COMMIT');
          return r;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      };
      for (const table of PARTITIONED_TABLES) {
        await maintainTable(client, inTx, table, { today, cutoff, horizon }, report);
      }
      for (;;) {
        const r = await client.query(
          `DELETE FROM ingest_batches WHERE ctid IN (SELECT ctid FROM ingest_batches WHERE window_start < $1::timestamp LIMIT ${BATCH_DELETE_CHUNK})`,
          [sqlTimestamp(cutoff)],
        );
        report.deletedBatches += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) < BATCH_DELETE_CHUNK) break;
      }
      // The rollups built from the dropped days go with them (same retention setting).
      report.deletedRollupRows = await deleteExpiredRollups(client, cutoff);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
    }
    return report;
  } finally {
    await client.end();
  }
}

type InTx = <T>(fn: () => Promise<T>) => Promise<T>;

export async function listPartitions(client: Client, table: string): Promise<Partition[]> {
  const r = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE p.relname = $1 AND n.nspname = current_schema()
      ORDER BY c.relname`,
    [table],
  );
  return r.rows.map((row) => parsePartitionBound(row.name, row.bound));
}

async function maintainTable(
  client: Client,
  inTx: InTx,
  table: PartitionedTable,
  range: { today: Date; cutoff: Date; horizon: Date },
  report: PartitionMaintenanceReport,
): Promise<void> {
  const def = defaultPartitionName(table);
  let parts = await listPartitions(client, table);
  if (!parts.some((p) => p.from === undefined)) {
    await inTx(() => client.query(`CREATE TABLE IF NOT EXISTS ${q(def)} PARTITION OF ${q(table)} DEFAULT`));
    parts = await listPartitions(client, table);
  }
  const defaultName = parts.find((p) => p.from === undefined)!.name;

  // Days to have a partition for: yesterday (windows straddle midnight) up to
  // the horizon, plus any kept day that has rows waiting in the default partition.
  const days = new Set<number>();
  for (let t = Math.max(range.today.getTime() - DAY_MS, range.cutoff.getTime()); t < range.horizon.getTime(); t += DAY_MS) days.add(t);
  const waiting = await client.query<{ day: string }>(
    `SELECT DISTINCT to_char(date_trunc('day', window_start), 'YYYY-MM-DD') AS day FROM ${q(defaultName)}
      WHERE window_start >= $1::timestamp AND window_start < $2::timestamp`,
    [sqlTimestamp(range.cutoff), sqlTimestamp(range.horizon)],
  );
  for (const w of waiting.rows) days.add(Date.parse(`${w.day}T00:00:00Z`));

  const columns = await tableColumns(client, table);
  for (const t of [...days].sort((a, b) => a - b)) {
    const from = new Date(t);
    const to = new Date(t + DAY_MS);
    const moved = await inTx(async () => {
      // Re-read under the transaction: another step (or an older hub) may have made it already.
      const current = await listPartitions(client, table);
      if (current.some((p) => p.from && p.to && p.from < to && p.to > from)) return -1;
      const name = dailyPartitionName(table, from);
      // ACCESS EXCLUSIVE on the parent, not the SHARE UPDATE EXCLUSIVE that ATTACH
      // alone needs: an insert that routed a row to the default partition before the
      // attach and then waited would fail the default partition's new constraint
      // (23514, seen in the spec). Inserts wait for this short transaction instead and
      // route with the new partition. Parent first, then default: the order inserts lock in.
      await client.query(`LOCK TABLE ONLY ${q(table)} IN ACCESS EXCLUSIVE MODE`);
      await client.query(`LOCK TABLE ${q(defaultName)} IN ACCESS EXCLUSIVE MODE`);
      await client.query(`CREATE TABLE ${q(name)} (LIKE ${q(table)} INCLUDING DEFAULTS)`);
      const r = await client.query(
        `WITH moved AS (DELETE FROM ${q(defaultName)} WHERE window_start >= $1::timestamp AND window_start < $2::timestamp RETURNING ${columns})
         INSERT INTO ${q(name)} (${columns}) SELECT ${columns} FROM moved`,
        [sqlTimestamp(from), sqlTimestamp(to)],
      );
      await client.query(`ALTER TABLE ${q(table)} ATTACH PARTITION ${q(name)} FOR VALUES FROM ('${sqlTimestamp(from)}') TO ('${sqlTimestamp(to)}')`);
      report.created.push(name);
      return r.rowCount ?? 0;
    });
    if (moved > 0) report.movedRows += moved;
  }

  // Retention: whole daily partitions that end at or before the cutoff.
  for (const p of parts) {
    if (!p.to || p.to.getTime() > range.cutoff.getTime()) continue;
    await inTx(async () => {
      const still = await listPartitions(client, table);
      if (!still.some((s) => s.name === p.name)) return;
      await client.query(`ALTER TABLE ${q(table)} DETACH PARTITION ${q(p.name)}`);
      await client.query(`DROP TABLE ${q(p.name)}`);
      report.dropped.push(p.name);
    });
  }
  // Stragglers older than the cutoff that went to the default partition.
  const del = await inTx(() => client.query(`DELETE FROM ${q(defaultName)} WHERE window_start < $1::timestamp`, [sqlTimestamp(range.cutoff)]));
  report.deletedDefaultRows += del.rowCount ?? 0;
}

async function tableColumns(client: Client, table: string): Promise<string> {
  const r = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [q(table)],
  );
  if (!r.rows.length) throw new Error(`table ${table} not found`);
  return r.rows.map((c) => q(c.attname)).join(', ');
}
