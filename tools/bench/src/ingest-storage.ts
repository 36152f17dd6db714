import { Client } from 'pg';
import { withDatabaseClient } from '@fleettune/db-tools';

export const COUNT_TABLES = ['ingest_batches', 'exec_counts', 'file_counts', 'audit_key_counts', 'syscall_counts'] as const;

export interface StorageReport {
  tables: Array<{ table: string; rows: number; totalBytes: number; bytesPerRow: number }>;
  totalBytes: number;
  batches: number;
  bytesPerWindow: number;
  /** One host sending one window per `windowSeconds` for 24 h. */
  bytesPerHostDay: number;
  windowSeconds: number;
}

/**
 * Bytes of a table with all its partitions (heap + indexes + TOAST). The count
 * tables are partitioned by day: a partitioned parent has no storage of its
 * own, so its size is the sum over pg_partition_tree (which is empty for a
 * plain table: then the table's own size).
 */
export const TOTAL_SIZE_SQL = (table: string): string =>
  `(SELECT coalesce(sum(pg_total_relation_size(relid)), pg_total_relation_size('${table}')) FROM pg_partition_tree('${table}'))`;

/** Size and rows of each partition of a table, largest first. */
export async function partitionSizes(c: Client, table: string): Promise<Array<{ partition: string; rows: number; bytes: number }>> {
  const { rows } = await c.query<{ partition: string; rows: string; bytes: string }>(
    `SELECT relid::regclass::text AS partition, pg_total_relation_size(relid)::text AS bytes,
            (SELECT reltuples FROM pg_class WHERE oid = relid)::bigint::text AS rows
       FROM pg_partition_tree('${table}') WHERE isleaf ORDER BY pg_total_relation_size(relid) DESC`,
  );
  return rows.map((r) => ({ partition: r.partition, rows: Math.max(0, Number(r.rows)), bytes: Number(r.bytes) }));
}

/** pg_total_relation_size (heap + indexes + TOAST, all partitions) of the ingest tables after a run, per row and per host-day. */
export async function measureStorage(databaseUrl: string, windowSeconds: number): Promise<StorageReport> {
  return withDatabaseClient(databaseUrl, async (c) => {
    await c.query(`VACUUM (ANALYZE) ${COUNT_TABLES.join(', ')}`);
    const tables = [];
    for (const t of COUNT_TABLES) {
      const { rows } = await c.query<{ n: string; b: string }>(`SELECT (SELECT count(*) FROM ${t})::text AS n, ${TOTAL_SIZE_SQL(t)}::text AS b`);
      const n = Number(rows[0].n);
      const b = Number(rows[0].b);
      tables.push({ table: t, rows: n, totalBytes: b, bytesPerRow: n ? b / n : 0 });
    }
    const totalBytes = tables.reduce((a, t) => a + t.totalBytes, 0);
    const batches = tables[0].rows;
    const bytesPerWindow = totalBytes / Math.max(1, batches);
    return { tables, totalBytes, batches, bytesPerWindow, bytesPerHostDay: bytesPerWindow * (86_400 / windowSeconds), windowSeconds };
  });
}

export function formatStorage(s: StorageReport): string {
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const lines = s.tables.map(
    (t) =>
      `  ${t.table.padEnd(17)} ${String(t.rows).padStart(9)} rows  ${mib(t.totalBytes).padStart(8)} MiB  ${t.bytesPerRow.toFixed(0).padStart(4)} B/row (heap+indexes)`,
  );
  return [
    `storage             ${mib(s.totalBytes)} MiB for ${s.batches} windows = ${(s.bytesPerWindow / 1024).toFixed(0)} KiB/window`,
    ...lines,
    `bytes/host/day      ${mib(s.bytesPerHostDay)} MiB at one ${s.windowSeconds}s window per minute, as recorded (no agent-side top-N)`,
  ].join('\n');
}
