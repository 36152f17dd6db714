import { Client } from 'pg';
import { FleetActivityColumns, FleetActivityKind, FleetActivitySubject } from '@fleettune/rules';
import { ROLLUP_BIN_SECONDS } from './activity-rollup.service';

export interface RollupInput {
  columns: FleetActivityColumns;
  hostsReporting: number;
  /** Time of the rollup queries alone (database + transfer), ms. */
  queryMs: number;
  /** Time to decode the rows into columns, ms. */
  decodeMs: number;
}

/**
 * Reads the fleet rollup for the exclusion job: one row per subject with its
 * (host, bin, count, peak, peak seconds) cells packed by string_agg, so
 * millions of cells cross the wire as a few hundred strings and become typed
 * arrays without one JS object per cell. Only the last `lookbackBins` bins
 * (counted back from the newest data, not the clock: replayed logs count).
 * Uses pg directly: the result is one large read, no ORM mapping needed.
 */
export async function readRollup(databaseUrl: string, lookbackBins: number, parallel = 2): Promise<RollupInput> {
  const started = performance.now();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const extra: Client[] = [];
  let subjectsRes, hostsRes;
  // Bins travel relative to the first one read: fewer digits in the largest result of the job.
  let sinceBin = 0;
  const cellsRes: { rows: [number, string][] } = { rows: [] };
  try {
    const maxRes = await client.query<{ max: number | null }>('SELECT max(bin) AS max FROM activity_rollups');
    const maxBin = maxRes.rows[0]?.max;
    if (maxBin === null || maxBin === undefined) {
      return { columns: emptyColumns(), hostsReporting: 0, queryMs: performance.now() - started, decodeMs: 0 };
    }
    const since = maxBin - lookbackBins + 1;
    sinceBin = since;
    // The aggregation is CPU-bound in PostgreSQL: split by subject over `parallel` sessions so every core works.
    for (let k = 1; k < parallel; k++) {
      const c = new Client({ connectionString: databaseUrl });
      extra.push(c);
      await c.connect();
    }
    const parts = await Promise.all(
      [client, ...extra].map((c, k) =>
        c.query<[number, string]>({
          text: `SELECT subject_id,
                        string_agg(host_seq::text || ',' || (bin - $1)::text || ',' || count::text || ',' || peak_count::text || ',' || peak_window_seconds::text, ';')
                 FROM activity_rollups WHERE bin >= $1 AND subject_id % $2::int = $3::int GROUP BY subject_id`,
          values: [since, parallel, k],
          rowMode: 'array',
        }),
      ),
    );
    for (const p of parts) for (const row of p.rows) cellsRes.rows.push(row);
    const ids = cellsRes.rows.map((r) => r[0]);
    subjectsRes = await client.query<{ id: number; kind: string; path: string; parent_path: string; user: string }>(
      'SELECT id, kind, path, parent_path, "user" FROM activity_subjects WHERE id = ANY($1::int[])',
      [ids],
    );
    hostsRes = await client.query<{ seq: number; host_id: string }>('SELECT seq, host_id::text AS host_id FROM rollup_hosts');
  } finally {
    await Promise.all([client, ...extra].map((c) => c.end().catch(() => undefined)));
  }
  const queryMs = performance.now() - started;
  const since = sinceBin;

  const t = performance.now();
  const subjectIndexById = new Map<number, number>();
  const subjects: FleetActivitySubject[] = subjectsRes.rows.map((s, i) => {
    subjectIndexById.set(s.id, i);
    return { kind: s.kind as FleetActivityKind, path: s.path, parentPath: s.parent_path || undefined, user: s.user || undefined };
  });
  let maxSeq = 0;
  for (const h of hostsRes.rows) if (h.seq > maxSeq) maxSeq = h.seq;
  const hostIndexBySeq = new Int32Array(maxSeq + 1).fill(-1);
  const hostIds: string[] = [];
  for (const h of hostsRes.rows) {
    hostIndexBySeq[h.seq] = hostIds.length;
    hostIds.push(h.host_id);
  }
  let total = 0;
  for (const [, cells] of cellsRes.rows) {
    total++;
    for (let i = 0; i < cells.length; i++) if (cells.charCodeAt(i) === 59 /* ; */) total++;
  }
  const cols: FleetActivityColumns = {
    subjects,
    hostIds,
    rowCount: total,
    subjectOfRow: new Int32Array(total).fill(-1),
    hostOfRow: new Int32Array(total).fill(-1),
    windowStartMs: new Float64Array(total),
    count: new Float64Array(total),
    peakCount: new Float64Array(total),
    peakWindowSeconds: new Float64Array(total),
  };
  const fields = new Float64Array(5);
  let row = 0;
  for (const [subjectId, cells] of cellsRes.rows) {
    const s = subjectIndexById.get(subjectId) ?? -1;
    let f = 0;
    let v = 0;
    let neg = false;
    for (let i = 0; i <= cells.length; i++) {
      const c = i < cells.length ? cells.charCodeAt(i) : 59;
      if (c >= 48 && c <= 57) v = v * 10 + (c - 48);
      else if (c === 45) neg = true;
      else {
        fields[f++] = neg ? -v : v;
        v = 0;
        neg = false;
        if (c === 59) {
          const seq = fields[0];
          cols.subjectOfRow[row] = s;
          cols.hostOfRow[row] = seq < hostIndexBySeq.length ? hostIndexBySeq[seq] : -1;
          cols.windowStartMs[row] = (since + fields[1]) * ROLLUP_BIN_SECONDS * 1000;
          cols.count[row] = fields[2];
          cols.peakCount![row] = fields[3];
          cols.peakWindowSeconds![row] = fields[4];
          row++;
          f = 0;
        }
      }
    }
  }
  return { columns: cols, hostsReporting: hostIds.length, queryMs, decodeMs: performance.now() - t };
}

function emptyColumns(): FleetActivityColumns {
  return {
    subjects: [],
    hostIds: [],
    rowCount: 0,
    subjectOfRow: new Int32Array(0),
    hostOfRow: new Int32Array(0),
    windowStartMs: new Float64Array(0),
    count: new Float64Array(0),
  };
}
