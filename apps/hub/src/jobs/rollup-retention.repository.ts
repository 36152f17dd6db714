import { Client } from 'pg';
// The pure SQL module (no Nest): the bin widths the rollup worker writes.
import { NOISE_BIN_SECONDS, ROLLUP_BIN_SECONDS } from '../exclusions/rollup-apply-sql';

/** The rollup tables and the width of their `bin` column, seconds. */
export const ROLLUP_RETENTION_TABLES: ReadonlyArray<{ table: string; binSeconds: number }> = [
  { table: 'activity_rollups', binSeconds: ROLLUP_BIN_SECONDS },
  { table: 'noise_fleet_hours', binSeconds: NOISE_BIN_SECONDS },
  { table: 'noise_host_hours', binSeconds: NOISE_BIN_SECONDS },
  { table: 'noise_host_bits', binSeconds: NOISE_BIN_SECONDS },
];

/** Rows one DELETE removes: each chunk is a short transaction, so the rollup worker's upserts never queue long behind it. */
export const ROLLUP_DELETE_CHUNK = 10_000;

export type RollupRetentionReport = Record<string, number>;

/**
 * Deletes the rollup rows of bins that end at or before `cutoff` (the start
 * of the oldest kept day: the raw partitions before it are dropped, so are
 * their rollups), in chunks of `chunk` rows, each its own autocommitted
 * statement. Bins are day-aligned (20 minutes, one hour), so `bin < cutoff /
 * width` is exactly the bins before the cutoff. Subjects (activity_subjects,
 * noise_subjects) stay: they are few, and a subject seen again reuses its id.
 */
export async function deleteExpiredRollups(client: Client, cutoff: Date, chunk = ROLLUP_DELETE_CHUNK): Promise<RollupRetentionReport> {
  const out: RollupRetentionReport = {};
  const cutoffSeconds = Math.floor(cutoff.getTime() / 1000);
  for (const { table, binSeconds } of ROLLUP_RETENTION_TABLES) {
    const firstKeptBin = Math.floor(cutoffSeconds / binSeconds);
    let deleted = 0;
    for (;;) {
      // ctid chunks: no index on bin is needed for the hourly tables (old rows sit at the heap's start).
      const r = await client.query(
        `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE bin < $1::int LIMIT ${Math.max(1, Math.floor(chunk))}))`,
        [firstKeptBin],
      );
      deleted += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < chunk) break;
    }
    out[table] = deleted;
  }
  return out;
}
