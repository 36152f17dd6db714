import type { Client } from 'pg';
import type { HostEnrollment } from '@fleettune/rules';
import { newPgClient } from '../database/pg-client';
import { RAW_KINDS, RawActivity, readRawActivity } from './raw-activity.repository';

/** One rollup subject's cells packed by string_agg: `[subject id, cells, max(program_format)]`. */
export type RollupCellRow = [number, string, number | null];

/** What the exclusion job reads of the fleet rollup; decoded into columns by fleet-activity-columns.ts. */
export interface RollupRows {
  /** First bin read; cell bins are offsets from it. */
  sinceBin: number;
  /** Of RAW_KINDS, those the rollup already carries (read from it, not from the raw tables). */
  rollupKinds: Set<string>;
  cells: RollupCellRow[];
  subjects: Array<{ id: number; kind: string; path: string; parent_path: string; user: string }>;
  hosts: Array<{ seq: number; host_id: string }>;
  hostOs: Array<{ id: string; os: string }>;
  /** Kinds the rollup does not carry yet, from the raw count tables. */
  raw: RawActivity;
}

/**
 * The recompute worker thread's reads, plain pg on its own connections (no
 * ORM mapping: the rollup is one large read). The fleet rollup: one row per
 * subject with its (host, bin, count, peak, peak seconds, active span) cells
 * packed by string_agg, so millions of cells cross the wire as a few hundred
 * strings. Only the last `lookbackBins` bins (counted back from the newest
 * data, not the clock: replayed logs count). Kinds of RAW_KINDS the rollup
 * does not carry yet come from the raw count tables (readRawActivity).
 * Null when the rollup is empty.
 */
export async function readRollupRows(databaseUrl: string, lookbackBins: number, parallel = 2): Promise<RollupRows | null> {
  const client = newPgClient({ connectionString: databaseUrl });
  await client.connect();
  const extra: Client[] = [];
  const cells: RollupCellRow[] = [];
  try {
    const maxRes = await client.query<{ max: number | null }>('SELECT max(bin) AS max FROM activity_rollups');
    const maxBin = maxRes.rows[0]?.max;
    if (maxBin === null || maxBin === undefined) return null;
    // Bins travel relative to the first one read: fewer digits in the largest result of the job.
    const since = maxBin - lookbackBins + 1;
    const kindsRes = await client.query<{ kind: string }>('SELECT DISTINCT kind FROM activity_subjects WHERE kind = ANY($1::text[])', [RAW_KINDS]);
    const rollupKinds = new Set(kindsRes.rows.map((r) => r.kind));
    const rawClient = newPgClient({ connectionString: databaseUrl });
    extra.push(rawClient);
    await rawClient.connect();
    // Settled into a value at once: a failure must surface here, not as an unhandled rejection while the cells load.
    const rawRead = readRawActivity(rawClient, since, rollupKinds).then(
      (rows) => ({ rows, error: undefined }),
      (error: unknown) => ({ rows: undefined, error }),
    );
    // The aggregation is CPU-bound in PostgreSQL: split by subject over `parallel` sessions so every core works.
    for (let k = 1; k < parallel; k++) {
      const c = newPgClient({ connectionString: databaseUrl });
      extra.push(c);
      await c.connect();
    }
    const parts = await Promise.all(
      [client, ...extra.slice(1)].map((c, k) =>
        c.query<[number, string, number | null]>({
          // max(program_format): the strongest reading over the cells read (a script on any host, in any bin, stays one).
          text: `SELECT subject_id,
                        string_agg(host_seq::text || ',' || (bin - $1)::text || ',' || count::text || ',' || peak_count::text || ',' || peak_window_seconds::text
                                   || ',' || COALESCE(active_start_s, -1)::text || ',' || COALESCE(active_end_s, -1)::text, ';'),
                        max(program_format)
                 FROM activity_rollups WHERE bin >= $1 AND subject_id % $2::int = $3::int GROUP BY subject_id`,
          values: [since, parallel, k],
          rowMode: 'array',
        }),
      ),
    );
    for (const p of parts) for (const row of p.rows) cells.push(row);
    const rawResult = await rawRead;
    if (!rawResult.rows) throw rawResult.error;
    const ids = cells.map((r) => r[0]);
    const subjectsRes = await client.query<{ id: number; kind: string; path: string; parent_path: string; user: string }>(
      'SELECT id, kind, path, parent_path, "user" FROM activity_subjects WHERE id = ANY($1::int[])',
      [ids],
    );
    const hostsRes = await client.query<{ seq: number; host_id: string }>('SELECT seq, host_id::text AS host_id FROM rollup_hosts');
    const osRes = await client.query<{ id: string; os: string }>('SELECT id::text AS id, os FROM hosts');
    return { sinceBin: since, rollupKinds, cells, subjects: subjectsRes.rows, hosts: hostsRes.rows, hostOs: osRes.rows, raw: rawResult.rows };
  } finally {
    await Promise.all([client, ...extra].map((c) => c.end().catch(() => undefined)));
  }
}

/** How each host enrolled (migration host_enrollment_provenance): who counts once toward minHosts. */
export async function readHostEnrollments(databaseUrl: string, hostIds: readonly string[]): Promise<HostEnrollment[]> {
  if (hostIds.length === 0) return [];
  const client = newPgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ id: string; enrollment_secret_id: string | null; enrolled_at: Date | null; enroll_peer_address: string | null }>(
      'SELECT id, enrollment_secret_id, enrolled_at, enroll_peer_address FROM hosts WHERE id = ANY($1::uuid[])',
      [hostIds],
    );
    return rows.rows.map((r) => ({
      hostId: r.id,
      enrollmentSecretId: r.enrollment_secret_id,
      enrolledAtMs: r.enrolled_at ? r.enrolled_at.getTime() : null,
      peerAddress: r.enroll_peer_address,
    }));
  } finally {
    await client.end().catch(() => undefined);
  }
}
