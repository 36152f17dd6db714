import type { Client } from 'pg';
import { newPgClient } from '../database/pg-client';
import type { ExecNoiseRow, FileNoiseRow } from './alert-detector';

// Bins count back from now: bin b holds windows starting in [now - (b+1)·W, now - b·W), so bin 0 is the latest W.

async function readExecNoiseRows(client: Client, nowSec: number, binSeconds: number, from: Date, to: Date, patterns?: string[]): Promise<ExecNoiseRow[]> {
  const filter = patterns ? 'AND (path LIKE ANY($5::text[]) OR parent_path LIKE ANY($5::text[]))' : '';
  const res = await client.query<{ host_id: string; path: string; parent_path: string; user: string; bin: number; count: string; first: Date; last: Date }>(
    `SELECT host_id::text, path, parent_path, "user",
            (ceil(($1::float8 - extract(epoch FROM window_start)) / $2::float8) - 1)::int AS bin,
            SUM(count)::bigint AS count, MIN(window_start) AS first, MAX(window_end) AS last
     FROM exec_counts
     WHERE window_start >= $3 AND window_start < $4 ${filter}
     GROUP BY 1, 2, 3, 4, 5`,
    patterns ? [nowSec, binSeconds, from, to, patterns] : [nowSec, binSeconds, from, to],
  );
  return res.rows.map((r) => ({
    hostId: r.host_id,
    path: r.path,
    parentPath: r.parent_path,
    user: r.user,
    bin: r.bin,
    count: Number(r.count),
    firstStartMs: r.first.getTime(),
    lastEndMs: r.last.getTime(),
  }));
}

async function readFileNoiseRows(client: Client, nowSec: number, binSeconds: number, from: Date, to: Date, patterns?: string[]): Promise<FileNoiseRow[]> {
  const filter = patterns ? 'AND path LIKE ANY($5::text[])' : '';
  const res = await client.query<{ host_id: string; path: string; bin: number; count: string; first: Date; last: Date }>(
    `SELECT host_id::text, path,
            (ceil(($1::float8 - extract(epoch FROM window_start)) / $2::float8) - 1)::int AS bin,
            SUM(count)::bigint AS count, MIN(window_start) AS first, MAX(window_end) AS last
     FROM file_counts
     WHERE window_start >= $3 AND window_start < $4 ${filter}
     GROUP BY 1, 2, 3`,
    patterns ? [nowSec, binSeconds, from, to, patterns] : [nowSec, binSeconds, from, to],
  );
  return res.rows.map((r) => ({
    hostId: r.host_id,
    path: r.path,
    bin: r.bin,
    count: Number(r.count),
    firstStartMs: r.first.getTime(),
    lastEndMs: r.last.getTime(),
  }));
}

/**
 * The noise an alert detection reads, per host and bin. Plain pg (not Prisma)
 * on its own connection: it runs in the alert detection worker thread.
 */
export class AlertNoiseRepository {
  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<AlertNoiseRepository> {
    const client = newPgClient({ connectionString: databaseUrl });
    await client.connect();
    return new AlertNoiseRepository(client);
  }

  /** Exec rows with windows starting in [from, to); with `patterns`, only paths or parents LIKE one of them. */
  execRows(nowSec: number, binSeconds: number, from: Date, to: Date, patterns?: string[]): Promise<ExecNoiseRow[]> {
    return readExecNoiseRows(this.client, nowSec, binSeconds, from, to, patterns);
  }

  /** File rows with windows starting in [from, to); with `patterns`, only paths LIKE one of them. */
  fileRows(nowSec: number, binSeconds: number, from: Date, to: Date, patterns?: string[]): Promise<FileNoiseRow[]> {
    return readFileNoiseRows(this.client, nowSec, binSeconds, from, to, patterns);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
