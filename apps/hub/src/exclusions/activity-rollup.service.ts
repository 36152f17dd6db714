import { Global, Injectable, Module } from '@nestjs/common';
import { CountBatch } from '@fleettune/proto';
import type { Prisma } from '../generated/prisma/client';

/** The rollup bin: 20 minutes, the engine's default evaluation window (Cisco judges 15-20 minutes). */
export const ROLLUP_BIN_SECONDS = 1200;

/** Longer keys would not fit a btree index entry; such paths are not rollup subjects (and never usable exclusions). */
const MAX_KEY_CHARS = 2000;

/**
 * Keeps the fleet rollup (activity_rollups) up to date as batches arrive:
 * per subject (exec: program, parent, user; file: path), host and 20-minute
 * bin, the summed count and the busiest agent window (for burst detection).
 * Runs inside the ingest transaction, after the batch row was inserted, so a
 * duplicate batch never counts twice and the rollup commits with the counts.
 * Three statements, whatever the batch size: hosts, subjects, counts.
 */
@Injectable()
export class ActivityRollupService {
  async applyBatch(tx: Prisma.TransactionClient, hostId: string, batch: CountBatch): Promise<void> {
    const agg = new Map<string, { kind: string; path: string; parent: string; user: string; count: number }>();
    const add = (kind: string, path: string, parent: string, user: string, count: number) => {
      if (!path || path.length + parent.length > MAX_KEY_CHARS || !(count > 0)) return;
      const key = `${kind}\u0000${path}\u0000${parent}\u0000${user}`;
      const cur = agg.get(key);
      if (cur) cur.count += count;
      else agg.set(key, { kind, path, parent, user, count });
    };
    for (const r of batch.execs) add('exec', r.path, r.parentPath ?? '', r.user ?? '', Number(r.count));
    // File subjects are paths: op and initiator are summed (the scan load is per path).
    for (const r of batch.files) add('file', r.path, '', '', Number(r.count));
    if (agg.size === 0) return;

    const seq = await this.hostSeq(tx, hostId);
    const startMs = Number(batch.windowStartMs);
    const seconds = Math.max(1, Math.round((Number(batch.windowEndMs) - startMs) / 1000));
    const bin = Math.floor(startMs / 1000 / ROLLUP_BIN_SECONDS);
    const rows = [...agg.values()];
    const kinds = rows.map((r) => r.kind);
    const paths = rows.map((r) => r.path);
    const parents = rows.map((r) => r.parent);
    const users = rows.map((r) => r.user);
    const counts = rows.map((r) => String(r.count));
    await tx.$executeRaw`
      INSERT INTO activity_subjects (kind, path, parent_path, "user")
      SELECT DISTINCT t.kind, t.path, t.parent_path, t.usr
      FROM unnest(${kinds}::text[], ${paths}::text[], ${parents}::text[], ${users}::text[]) AS t(kind, path, parent_path, usr)
      ON CONFLICT DO NOTHING`;
    // A new statement sees subjects committed by concurrent ingests too (READ COMMITTED).
    await tx.$executeRaw`
      INSERT INTO activity_rollups AS r (subject_id, host_seq, bin, count, peak_count, peak_window_seconds, updated_at)
      SELECT s.id, ${seq}::int, ${bin}::int, t.cnt, t.cnt, ${seconds}::int, now()
      FROM unnest(${kinds}::text[], ${paths}::text[], ${parents}::text[], ${users}::text[], ${counts}::bigint[])
           AS t(kind, path, parent_path, usr, cnt)
      JOIN activity_subjects s ON s.kind = t.kind AND s.path = t.path AND s.parent_path = t.parent_path AND s."user" = t.usr
      ON CONFLICT (subject_id, host_seq, bin) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        peak_count = CASE WHEN EXCLUDED.peak_count::float8 / EXCLUDED.peak_window_seconds > r.peak_count::float8 / GREATEST(r.peak_window_seconds, 1)
                          THEN EXCLUDED.peak_count ELSE r.peak_count END,
        peak_window_seconds = CASE WHEN EXCLUDED.peak_count::float8 / EXCLUDED.peak_window_seconds > r.peak_count::float8 / GREATEST(r.peak_window_seconds, 1)
                                   THEN EXCLUDED.peak_window_seconds ELSE r.peak_window_seconds END,
        updated_at = now()`;
  }

  private async hostSeq(tx: Prisma.TransactionClient, hostId: string): Promise<number> {
    // Not cached: a number handed out by a transaction that later rolls back must not outlive it.
    const [row] = await tx.$queryRaw<{ seq: number }[]>`
      WITH i AS (INSERT INTO rollup_hosts (host_id) VALUES (${hostId}::uuid) ON CONFLICT DO NOTHING RETURNING seq)
      SELECT seq FROM i UNION ALL SELECT seq FROM rollup_hosts WHERE host_id = ${hostId}::uuid`;
    if (!row) throw new Error(`rollup host number for ${hostId} is being created by a concurrent batch; retry`);
    return row.seq;
  }
}

/** Global, so the ingest module can call the rollup inside its transaction without importing the exclusions module. */
@Global()
@Module({ providers: [ActivityRollupService], exports: [ActivityRollupService] })
export class ActivityRollupModule {}
