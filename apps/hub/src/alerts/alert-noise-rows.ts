import type { Client } from 'pg';
import type { ExecNoiseRow, FileNoiseRow } from './alert-detector';

// Bins count back from now: bin b holds windows starting in [now - (b+1)·W, now - b·W), so bin 0 is the latest W.
// Plain pg (not Prisma): these run in the alert detection worker thread.

export async function readExecNoiseRows(
  client: Client,
  nowSec: number,
  binSeconds: number,
  from: Date,
  to: Date,
  patterns?: string[],
): Promise<ExecNoiseRow[]> {
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

export async function readFileNoiseRows(
  client: Client,
  nowSec: number,
  binSeconds: number,
  from: Date,
  to: Date,
  patterns?: string[],
): Promise<FileNoiseRow[]> {
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
