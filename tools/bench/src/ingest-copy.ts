import { Client } from 'pg';
import { CountBatch } from '@fleettune/proto';

/**
 * COPY ... FROM STDIN through node-postgres without pg-copy-streams: a
 * minimal "submittable" that answers the server's CopyInResponse with the
 * data and resolves on ReadyForQuery.
 */
export function copyIn(client: Client, sql: string, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let error: unknown;
    const submittable = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) {
        for (const c of chunks) connection.sendCopyFromChunk(c);
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handleCopyData() {},
      handlePortalSuspended() {},
      handleError(err: unknown) {
        error = err;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve();
      },
    };
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}

function esc(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

function ts(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export interface CopyRows {
  batches: string[];
  execs: string[];
  files: string[];
  keys: string[];
  syscalls: string[];
  rows: number;
}

/** The rows the hub writes for these batches, as COPY text lines (`seqOffset` keeps batch keys unique). */
export function copyRowsFor(items: Array<{ hostId: string; batch: CountBatch }>, seqOffset: number): CopyRows {
  const out: CopyRows = { batches: [], execs: [], files: [], keys: [], syscalls: [], rows: 0 };
  for (const { hostId, batch: b } of items) {
    const seq = String(b.sequence + seqOffset);
    const ws = ts(b.windowStartMs);
    const we = ts(b.windowEndMs);
    const src = esc(b.source);
    out.batches.push(`${hostId}\t${seq}\t${src}\t${ws}\t${we}\t${b.events}\t${b.skipped}\t${b.dropped}\n`);
    for (const r of b.execs) out.execs.push(`${hostId}\t${seq}\t${src}\t${ws}\t${we}\t${esc(r.path)}\t${esc(r.parentPath)}\t${esc(r.user)}\t${r.count}\n`);
    for (const r of b.files) out.files.push(`${hostId}\t${seq}\t${src}\t${ws}\t${we}\t${esc(r.path)}\t${esc(r.op)}\t${esc(r.processPath)}\t${r.count}\n`);
    for (const r of b.auditKeys) out.keys.push(`${hostId}\t${seq}\t${ws}\t${esc(r.name)}\t${r.count}\n`);
    for (const r of b.syscalls) out.syscalls.push(`${hostId}\t${seq}\t${ws}\t${esc(r.name)}\t${r.count}\n`);
    out.rows += 1 + b.execs.length + b.files.length + b.auditKeys.length + b.syscalls.length;
  }
  return out;
}

function chunked(lines: string[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i += 2000) out.push(Buffer.from(lines.slice(i, i + 2000).join('')));
  return out;
}

/** COPYs the rows into the hub's own tables, one COPY per table, in one transaction; returns seconds. */
export async function copyIntoHubTables(databaseUrl: string, rows: CopyRows): Promise<number> {
  // Encoding the text is the client's work, done before the clock starts.
  const data = {
    batches: chunked(rows.batches),
    execs: chunked(rows.execs),
    files: chunked(rows.files),
    keys: chunked(rows.keys),
    syscalls: chunked(rows.syscalls),
  };
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const t0 = process.hrtime.bigint();
    await client.query('BEGIN');
    await copyIn(client, 'COPY ingest_batches (host_id, sequence, source, window_start, window_end, events, skipped, dropped) FROM STDIN', data.batches);
    await copyIn(client, 'COPY exec_counts (host_id, sequence, source, window_start, window_end, path, parent_path, "user", count) FROM STDIN', data.execs);
    await copyIn(client, 'COPY file_counts (host_id, sequence, source, window_start, window_end, path, op, process_path, count) FROM STDIN', data.files);
    await copyIn(client, 'COPY audit_key_counts (host_id, sequence, window_start, key, count) FROM STDIN', data.keys);
    await copyIn(client, 'COPY syscall_counts (host_id, sequence, window_start, syscall, count) FROM STDIN', data.syscalls);
    await client.query('COMMIT');
    return Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    await client.end();
  }
}
