import { Client } from 'pg';
import { FleetActivityKind } from '@fleettune/rules';
// The pure SQL module, not the Nest service: this file also runs in the recompute worker thread.
import { AUDIT_SOURCE, MDATP_RTP_SOURCE, ROLLUP_BIN_SECONDS } from './rollup-apply-sql';

/** The agent sources whose raw counts feed these kinds (defined with the rollup SQL, which reads them too). */
export { AUDIT_SOURCE, MDATP_RTP_SOURCE };

/** Kinds read from the raw count tables while the rollup (activity_subjects.kind) does not carry them. */
export const RAW_KINDS: readonly FleetActivityKind[] = ['audit-exe', 'audit-dir', 'scan'];

/** One row for a host the rollup has no number for yet (rare: the rollup numbers every host it has seen). */
export interface RawActivityRow {
  kind: FleetActivityKind;
  path: string;
  /** audit-dir: the initiator (process_path) of the records; '' otherwise. */
  parentPath: string;
  hostId: string;
  /** 20-minute rollup bin (epoch seconds / ROLLUP_BIN_SECONDS). */
  bin: number;
  count: number;
}

/** Cells of one (kind, path) packed as the rollup reader packs them: `hostSeq,bin - sinceBin,count;...`. */
export interface RawActivityGroup {
  kind: FleetActivityKind;
  path: string;
  /** audit-dir: the initiator (process_path) of the records; '' otherwise. */
  parentPath: string;
  cells: string;
}

export interface RawActivity {
  groups: RawActivityGroup[];
  strays: RawActivityRow[];
  /** Host x bin x subject cells read, groups and strays together. */
  cells: number;
}

/**
 * Reads, per 20-minute bin and host, the activity the fleet rollup does not
 * keep apart, straight from the raw (day-partitioned) count tables with one
 * aggregate each; `window_start >= since` prunes the partitions to the
 * lookback:
 *
 * - `audit-exe`: auditd records per initiator: file records by their
 *   `process_path` plus executions (an execve record's exe is the new program),
 *   from batches of the linux-audit source (`aureport` initiators).
 * - `audit-dir`: auditd file records per directory (the last `/` cut off in SQL,
 *   so a directory of a thousand files is one row, not a thousand).
 * - `scan`: files Defender scanned per process (the mdatp-rtp source sends them
 *   as exec rows, one "exec" per file scanned).
 *
 * `skipKinds`: kinds the rollup already carries (the rollup writer may learn
 * them); those are not read twice.
 */
export async function readRawActivity(client: Client, sinceBin: number, skipKinds: ReadonlySet<string> = new Set()): Promise<RawActivity> {
  const since = new Date(sinceBin * ROLLUP_BIN_SECONDS * 1000).toISOString();
  const bin = `floor(extract(epoch from window_start) / ${ROLLUP_BIN_SECONDS})::int`;
  const parts: string[] = [];
  if (!skipKinds.has('audit-exe')) {
    parts.push(`SELECT 'audit-exe' AS kind, process_path AS path, '' AS parent, host_id, ${bin} AS bin, sum(count) AS n
                FROM file_counts WHERE source = '${AUDIT_SOURCE}' AND process_path <> '' AND window_start >= $1::timestamp
                GROUP BY 2, 4, 5`);
    parts.push(`SELECT 'audit-exe' AS kind, path, '' AS parent, host_id, ${bin} AS bin, sum(count) AS n
                FROM exec_counts WHERE source = '${AUDIT_SOURCE}' AND window_start >= $1::timestamp
                GROUP BY 2, 4, 5`);
  }
  if (!skipKinds.has('audit-dir')) {
    parts.push(`SELECT 'audit-dir' AS kind, CASE WHEN strpos(path, '/') = 1 THEN COALESCE(NULLIF(regexp_replace(path, '/[^/]*$', ''), ''), '/') ELSE path END AS path,
                       process_path AS parent, host_id, ${bin} AS bin, sum(count) AS n
                FROM file_counts WHERE source = '${AUDIT_SOURCE}' AND window_start >= $1::timestamp
                GROUP BY 2, 3, 4, 5`);
  }
  if (!skipKinds.has('scan')) {
    parts.push(`SELECT 'scan' AS kind, path, '' AS parent, host_id, ${bin} AS bin, sum(count) AS n
                FROM exec_counts WHERE source = '${MDATP_RTP_SOURCE}' AND window_start >= $1::timestamp
                GROUP BY 2, 4, 5`);
  }
  if (parts.length === 0) return { groups: [], strays: [], cells: 0 };
  // Packed per subject like the rollup cells (rollup_hosts numbers instead of uuids), so a few
  // hundred thousand cells cross the wire as strings, not one JS object each.
  const res = await client.query<[FleetActivityKind, string, string, string | null, string | null, string]>({
    text: `WITH x AS (${parts.join(' UNION ALL ')}),
                xh AS (SELECT x.*, h.seq FROM x LEFT JOIN rollup_hosts h ON h.host_id = x.host_id)
           SELECT kind, path, parent, string_agg(seq::text || ',' || (bin - $2::int)::text || ',' || n::text, ';'), NULL, count(*)::text
           FROM xh WHERE seq IS NOT NULL GROUP BY kind, path, parent
           UNION ALL
           SELECT kind, path, parent, NULL, host_id::text, bin || ',' || n::text FROM xh WHERE seq IS NULL`,
    // The sources are this module's constants, inlined: a parameter only some of the kinds read would be
    // untyped (and fail the query) once the rollup carries those kinds and they are skipped.
    values: [since, sinceBin],
    rowMode: 'array',
  });
  const out: RawActivity = { groups: [], strays: [], cells: 0 };
  for (const [kind, path, parentPath, cells, hostId, n] of res.rows) {
    if (cells !== null) {
      out.groups.push({ kind, path, parentPath, cells });
      out.cells += Number(n);
    } else if (hostId !== null) {
      const [b, c] = n.split(',');
      out.strays.push({ kind, path, parentPath, hostId, bin: Number(b), count: Number(c) });
      out.cells++;
    }
  }
  return out;
}
