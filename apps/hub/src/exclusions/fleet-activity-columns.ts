import { allocFleetActivityColumns, DenseIndex, FleetActivityColumns, FleetActivityKind, FleetActivitySubject, ProgramFileFormat } from '@fleettune/rules';
import { programFormatOfCode } from '../ingest/program-format-code';
// The pure SQL module, not the Nest service: this file also runs in the recompute worker thread.
import { ROLLUP_BIN_SECONDS } from './rollup-apply-sql';
import { RAW_KINDS } from './raw-activity.repository';
import { readRollupRows } from './fleet-activity.repository';

export interface RollupInput {
  columns: FleetActivityColumns;
  hostsReporting: number;
  /** Host id -> hosts.os (linux | darwin, from enrollment) of every host in `columns.hostIds`. */
  hostPlatforms: Map<string, string>;
  /** Time of the rollup queries alone (database + transfer), ms. */
  queryMs: number;
  /** Time to decode the rows into columns, ms. */
  decodeMs: number;
  /** Rows read from the raw count tables for kinds the rollup does not carry (audit initiators/directories, files scanned). */
  rawRows: number;
}

/**
 * Reads the fleet rollup for the exclusion job (fleet-activity.repository.ts)
 * and decodes its packed cells into typed arrays without one JS object per
 * cell. Only the last `lookbackBins` bins (counted back from the newest data,
 * not the clock: replayed logs count).
 *
 * The rollup worker keeps exec and file subjects and (since it learned them)
 * auditd initiators and directories and Defender's files-scanned-per-process
 * (kinds audit-exe, audit-dir, scan). A rollup written before that lacks
 * those kinds: each one it does not carry yet comes from the raw count
 * tables (readRawActivity), and an older rollup's exec cells still count
 * the mdatp-rtp source's files scanned as executions: those are taken back
 * out of the exec cells here (same program, host and bin, no parent and no
 * user, as mdatp rows are), so a process Defender scans a lot is not also
 * "executed 50 times a second". Once the rollup carries a kind (a subject of
 * it exists) the raw reading of that kind stops.
 */
export async function readRollup(databaseUrl: string, lookbackBins: number, parallel = 2): Promise<RollupInput> {
  const started = performance.now();
  const read = await readRollupRows(databaseUrl, lookbackBins, parallel);
  const queryMs = performance.now() - started;
  if (!read) return { columns: emptyColumns(), hostsReporting: 0, hostPlatforms: new Map(), queryMs, decodeMs: 0, rawRows: 0 };
  const { sinceBin: since, rollupKinds, raw } = read;
  const cellsRes = { rows: read.cells };
  const subjectsRes = { rows: read.subjects };
  const hostsRes = { rows: read.hosts };
  const osRes = { rows: read.hostOs };

  const t = performance.now();
  const subjectIndexById = new Map<number, number>();
  // Issue 19 item 4: what the agents read each program file as (absent: unknown, the engine marks "confirm Mach-O/ELF").
  const formatById = new Map<number, ProgramFileFormat>();
  for (const [id, , code] of cellsRes.rows) {
    const f = programFormatOfCode(code);
    if (f) formatById.set(id, f);
  }
  const subjects: FleetActivitySubject[] = subjectsRes.rows.map((s, i) => {
    subjectIndexById.set(s.id, i);
    const programFormat = formatById.get(s.id);
    return {
      kind: s.kind as FleetActivityKind,
      path: s.path,
      parentPath: s.parent_path || undefined,
      user: s.user || undefined,
      ...(programFormat ? { programFormat } : {}),
    };
  });
  let maxSeq = 0;
  for (const h of hostsRes.rows) if (h.seq > maxSeq) maxSeq = h.seq;
  const hostIndexBySeq = new Int32Array(maxSeq + 1).fill(-1);
  // Hosts of the rollup (by their seq in the cells) first, then any only the raw tables name.
  const hosts = new DenseIndex<string>();
  const hostIds = hosts.keys;
  for (const h of hostsRes.rows) hostIndexBySeq[h.seq] = hosts.idOf(h.host_id);

  // Every packed cell string, rollup and raw alike: `hostSeq,binOffset,count[,peak,peakSeconds,activeStartS,activeEndS];...`
  // (active bounds in seconds from the bin's start, -1 when the cell predates them).
  const countCells = (cells: string) => {
    let n = 1;
    for (let i = 0; i < cells.length; i++) if (cells.charCodeAt(i) === 59 /* ; */) n++;
    return n;
  };
  let total = raw.strays.length;
  for (const [, cells] of cellsRes.rows) total += countCells(cells);
  for (const g of raw.groups) total += countCells(g.cells);
  const cols = allocFleetActivityColumns(subjects, hostIds, total);
  const hostOfSeq = (seq: number) => (seq < hostIndexBySeq.length ? hostIndexBySeq[seq] : -1);
  const fields = new Float64Array(7);
  /** Parses one packed cell list; `onCell` gets the fields and returns false to drop the cell. */
  const decode = (cells: string, onCell: (f: Float64Array, nFields: number) => boolean) => {
    fields.fill(-1);
    let f = 0;
    let v = 0;
    let neg = false;
    for (let i = 0; i <= cells.length; i++) {
      const c = i < cells.length ? cells.charCodeAt(i) : 59;
      if (c >= 48 && c <= 57) v = v * 10 + (c - 48);
      else if (c === 45) neg = true;
      else {
        if (f < 7) fields[f++] = neg ? -v : v;
        v = 0;
        neg = false;
        if (c === 59) {
          const n = f;
          f = 0;
          onCell(fields, n);
        }
      }
    }
  };

  // Raw kinds first: one subject per (kind, path). Files scanned are also kept per program,
  // host and bin, to take them back out of the exec cells below.
  const rawSubject = new Map<string, number>();
  const subjectFor = (kind: FleetActivityKind, path: string, parentPath: string) => {
    const key = kind + '\u0000' + path + '\u0000' + parentPath;
    let sIdx = rawSubject.get(key);
    if (sIdx === undefined) {
      sIdx = subjects.length;
      rawSubject.set(key, sIdx);
      subjects.push(parentPath ? { kind, path, parentPath } : { kind, path });
    }
    return sIdx;
  };
  const rollupSubjects = subjects.length;
  const rawKindSet = new Set<string>(RAW_KINDS);
  const correctScans = !rollupKinds.has('scan');
  /** program -> (host index * 2^20 + bin offset) -> files scanned in that cell. */
  const scannedAsExec = new Map<string, Map<number, number>>();
  const scanCellKey = (host: number, binOffset: number) => host * 1048576 + binOffset;
  let row = 0;
  for (const g of raw.groups) {
    const s = subjectFor(g.kind, g.path, g.parentPath);
    let scanned: Map<number, number> | undefined;
    if (correctScans && g.kind === 'scan') scannedAsExec.set(g.path, (scanned = scannedAsExec.get(g.path) ?? new Map()));
    decode(g.cells, (x) => {
      const host = hostOfSeq(x[0]);
      cols.subjectOfRow[row] = s;
      cols.hostOfRow[row] = host;
      cols.windowStartMs[row] = (since + x[1]) * ROLLUP_BIN_SECONDS * 1000;
      cols.count[row] = x[2];
      row++;
      if (scanned) scanned.set(scanCellKey(host, x[1]), (scanned.get(scanCellKey(host, x[1])) ?? 0) + x[2]);
      return true;
    });
  }
  for (const r of raw.strays) {
    const host = hosts.idOf(r.hostId);
    cols.subjectOfRow[row] = subjectFor(r.kind, r.path, r.parentPath);
    cols.hostOfRow[row] = host;
    cols.windowStartMs[row] = r.bin * ROLLUP_BIN_SECONDS * 1000;
    cols.count[row] = r.count;
    row++;
    if (correctScans && r.kind === 'scan') {
      let m = scannedAsExec.get(r.path);
      if (!m) scannedAsExec.set(r.path, (m = new Map()));
      m.set(scanCellKey(host, r.bin - since), (m.get(scanCellKey(host, r.bin - since)) ?? 0) + r.count);
    }
  }
  const rawRows = row;

  for (const [subjectId, cells] of cellsRes.rows) {
    const s = subjectIndexById.get(subjectId) ?? -1;
    const x = s >= 0 && s < rollupSubjects ? subjects[s] : undefined;
    // mdatp rows have no parent and no user: only such exec subjects can hold files scanned.
    const scanned = x && x.kind === 'exec' && !x.parentPath && !x.user ? scannedAsExec.get(x.path) : undefined;
    // Kinds the rollup took over from the raw tables keep the raw reading's meaning: counts per
    // bin without a busiest window, so the engine's rate checks judge them exactly as before.
    const countsOnly = x !== undefined && rawKindSet.has(x.kind);
    decode(cells, (f) => {
      const host = hostOfSeq(f[0]);
      let count = f[2];
      let peak = f[3];
      if (scanned) {
        const n = scanned.get(scanCellKey(host, f[1])) ?? 0;
        count -= n;
        // Only executions are left (none, when every "exec" was a file scanned): the busiest window cannot exceed them.
        if (n > 0) peak = Math.min(peak, count);
        if (!(count > 0)) return false;
      }
      cols.subjectOfRow[row] = s;
      cols.hostOfRow[row] = host;
      cols.windowStartMs[row] = (since + f[1]) * ROLLUP_BIN_SECONDS * 1000;
      cols.count[row] = count;
      cols.peakCount[row] = countsOnly ? 0 : peak;
      cols.peakWindowSeconds[row] = countsOnly ? 0 : f[4];
      if (f[5] >= 0 && f[6] >= f[5]) {
        const binStartMs = (since + f[1]) * ROLLUP_BIN_SECONDS * 1000;
        cols.activeStartMs[row] = binStartMs + f[5] * 1000;
        cols.activeEndMs[row] = binStartMs + f[6] * 1000;
      }
      row++;
      return true;
    });
  }

  const columns: FleetActivityColumns =
    row === total
      ? cols
      : {
          ...cols,
          rowCount: row,
          subjectOfRow: cols.subjectOfRow.subarray(0, row),
          hostOfRow: cols.hostOfRow.subarray(0, row),
          windowStartMs: cols.windowStartMs.subarray(0, row),
          count: cols.count.subarray(0, row),
          peakCount: cols.peakCount.subarray(0, row),
          peakWindowSeconds: cols.peakWindowSeconds.subarray(0, row),
          activeStartMs: cols.activeStartMs.subarray(0, row),
          activeEndMs: cols.activeEndMs.subarray(0, row),
        };
  const osById = new Map(osRes.rows.map((r) => [r.id, r.os]));
  const hostPlatforms = new Map(hostIds.map((id) => [id, osById.get(id) ?? 'unknown']));
  return { columns, hostsReporting: hostIds.length, hostPlatforms, queryMs, decodeMs: performance.now() - t, rawRows };
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
