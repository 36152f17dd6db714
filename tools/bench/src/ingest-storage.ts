import { Client } from 'pg';

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

/** pg_total_relation_size (heap + indexes + TOAST) of the ingest tables after a run, per row and per host-day. */
export async function measureStorage(databaseUrl: string, windowSeconds: number): Promise<StorageReport> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`VACUUM (ANALYZE) ${COUNT_TABLES.join(', ')}`);
    const tables = [];
    for (const t of COUNT_TABLES) {
      const { rows } = await c.query<{ n: string; b: string }>(`SELECT count(*)::text AS n, pg_total_relation_size('${t}')::text AS b FROM ${t}`);
      const n = Number(rows[0].n);
      const b = Number(rows[0].b);
      tables.push({ table: t, rows: n, totalBytes: b, bytesPerRow: n ? b / n : 0 });
    }
    const totalBytes = tables.reduce((a, t) => a + t.totalBytes, 0);
    const batches = tables[0].rows;
    const bytesPerWindow = totalBytes / Math.max(1, batches);
    return { tables, totalBytes, batches, bytesPerWindow, bytesPerHostDay: bytesPerWindow * (86_400 / windowSeconds), windowSeconds };
  } finally {
    await c.end();
  }
}

export function formatStorage(s: StorageReport): string {
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const lines = s.tables.map((t) => `  ${t.table.padEnd(17)} ${String(t.rows).padStart(9)} rows  ${mib(t.totalBytes).padStart(8)} MiB  ${t.bytesPerRow.toFixed(0).padStart(4)} B/row (heap+indexes)`);
  return [
    `storage             ${mib(s.totalBytes)} MiB for ${s.batches} windows = ${(s.bytesPerWindow / 1024).toFixed(0)} KiB/window`,
    ...lines,
    `bytes/host/day      ${mib(s.bytesPerHostDay)} MiB at one ${s.windowSeconds}s window per minute, as recorded (no agent-side top-N)`,
  ].join('\n');
}
