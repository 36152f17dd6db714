/**
 * The SQL of one rollup step: applies a set of committed batches (the temp
 * table `_rb`: host_id, sequence, window_start, host_seq, os) to every
 * rollup in one transaction. Set-based: a few statements whatever the number
 * of batches, each reading the batches' raw count rows back through the raw
 * tables' (host_id, window_start) index.
 *
 * Kept as plain SQL text (no Nest, no Prisma) so the worker and anything
 * that must reproduce it run exactly these statements.
 */

/** The rollup bin of the exclusion engine (activity_rollups): 20 minutes. */
export const ROLLUP_BIN_SECONDS = 1200;
/** The fleet noise rollups' bin (noise_*_hours): one hour. */
export const NOISE_BIN_SECONDS = 3600;
/** Hosts per noise_host_bits row (the column is bit(512)). */
export const HOST_BITS_PER_ROW = 512;

/** sha256 over kind, subject and detail separated by NUL bytes (which text cannot contain): unambiguous. */
export const SUBJECT_KEY_SQL = (kind: string, subject: string, detail: string) =>
  `sha256(convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${subject}, 'UTF8') || '\\x00'::bytea || convert_to(${detail}, 'UTF8'))`;
export const SUBJECT_ONLY_KEY_SQL = (kind: string, subject: string) =>
  `sha256(convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${subject}, 'UTF8'))`;

/** "/a/b/c.log" -> "/a/b"; "/x" -> "/" (the same expression the raw queries use). */
export const DIRECTORY_SQL = (path: string) => `COALESCE(NULLIF(regexp_replace(${path}, '/[^/]*$', ''), ''), '/')`;
/** Lower-cased extension of a file name, or NULL. */
export const EXTENSION_SQL = (path: string) => `CASE WHEN ${path} ~ '[^/]\\.[^./]{1,32}$' THEN lower(substring(${path} from '\\.([^./]{1,32})$')) END`;

/** Sources whose rows the exclusion engine's rollup keeps apart (the same names raw-activity.repository.ts reads). */
export const AUDIT_SOURCE = 'linux-audit';
export const MDATP_RTP_SOURCE = 'mdatp-rtp';

/** Longer keys would not fit a btree index entry; such paths are not exclusion-engine subjects. */
const MAX_KEY_BYTES = 2000;

/** How a stored noise hour (host or fleet) takes a step's rows for the same cell: counts add up, the span widens. */
const ADD_COUNT_WIDEN_SPAN = `
        count = r.count + EXCLUDED.count,
        first_start = LEAST(r.first_start, EXCLUDED.first_start),
        last_end = GREATEST(r.last_end, EXCLUDED.last_end)`;

/** Statements of one step, in order, after `_rb` exists and is analyzed. */
export const APPLY_STATEMENTS: ReadonlyArray<{ name: string; sql: string }> = [
  // 1. The batches' raw exec and file rows, read once (index lookups per batch) for every rollup below.
  {
    name: 'read execs',
    sql: `
      CREATE TEMP TABLE _eb ON COMMIT DROP AS
      SELECT e.path, e.parent_path, e."user" AS usr, b.host_seq, b.os, e.source, b.sequence, b.hour_bin, b.bin, e.window_start, e.window_end, e.count,
             e.program_format AS fmt
      FROM _rb b JOIN exec_counts e ON e.host_id = b.host_id AND e.window_start = b.window_start AND e.sequence = b.sequence`,
  },
  {
    name: 'read files',
    sql: `
      CREATE TEMP TABLE _fb ON COMMIT DROP AS
      SELECT f.path, f.process_path, b.host_seq, b.os, f.source, b.sequence, b.hour_bin, b.bin, f.window_start, f.window_end, f.count
      FROM _rb b JOIN file_counts f ON f.host_id = b.host_id AND f.window_start = b.window_start AND f.sequence = b.sequence`,
  },
  // Per (program, parent | path), host, hour and source: every noise kind is derived from these.
  {
    name: 'stage execs',
    sql: `
      CREATE TEMP TABLE _ep ON COMMIT DROP AS
      SELECT path, parent_path, host_seq, os, source, hour_bin AS bin,
             SUM(count)::bigint AS count, MIN(window_start) AS first_start, MAX(window_end) AS last_end
      FROM _eb GROUP BY 1, 2, 3, 4, 5, 6`,
  },
  {
    name: 'stage files',
    sql: `
      CREATE TEMP TABLE _fp ON COMMIT DROP AS
      SELECT path, host_seq, os, source, hour_bin AS bin,
             SUM(count)::bigint AS count, MIN(window_start) AS first_start, MAX(window_end) AS last_end
      FROM _fb GROUP BY 1, 2, 3, 4, 5`,
  },
  // Directory and extension once per distinct path (the regular expressions are the expensive part).
  {
    name: 'stage paths',
    sql: `
      CREATE TEMP TABLE _pp ON COMMIT DROP AS
      SELECT path, ${DIRECTORY_SQL('path')} AS dir, ${EXTENSION_SQL('path')} AS ext FROM (SELECT DISTINCT path FROM _fp) d`,
  },
  {
    name: 'stage noise',
    sql: `
      CREATE TEMP TABLE _nr ON COMMIT DROP AS
      SELECT 'exec-parent' AS kind, path AS subject, parent_path AS detail, host_seq, os, source, bin, count, first_start, last_end FROM _ep
      UNION ALL
      SELECT 'exec', path, '', host_seq, os, source, bin, SUM(count)::bigint, MIN(first_start), MAX(last_end) FROM _ep GROUP BY path, host_seq, os, source, bin
      UNION ALL
      SELECT 'parent', parent_path, '', host_seq, os, source, bin, SUM(count)::bigint, MIN(first_start), MAX(last_end) FROM _ep
      WHERE parent_path <> '' GROUP BY parent_path, host_seq, os, source, bin
      UNION ALL
      SELECT 'file', path, '', host_seq, os, source, bin, count, first_start, last_end FROM _fp
      UNION ALL
      SELECT 'directory', p.dir, '', f.host_seq, f.os, f.source, f.bin, SUM(f.count)::bigint, MIN(f.first_start), MAX(f.last_end)
      FROM _fp f JOIN _pp p ON p.path = f.path GROUP BY p.dir, f.host_seq, f.os, f.source, f.bin
      UNION ALL
      SELECT 'extension', p.ext, '', f.host_seq, f.os, f.source, f.bin, SUM(f.count)::bigint, MIN(f.first_start), MAX(f.last_end)
      FROM _fp f JOIN _pp p ON p.path = f.path WHERE p.ext IS NOT NULL GROUP BY p.ext, f.host_seq, f.os, f.source, f.bin
      UNION ALL
      SELECT 'key', k.key, '', b.host_seq, b.os, '', floor(extract(epoch FROM k.window_start) / ${NOISE_BIN_SECONDS})::int,
             SUM(k.count)::bigint, MIN(k.window_start), MAX(k.window_start)
      FROM _rb b JOIN audit_key_counts k ON k.host_id = b.host_id AND k.window_start = b.window_start AND k.sequence = b.sequence
      GROUP BY 2, 4, 5, 7
      UNION ALL
      SELECT 'syscall', s.syscall, '', b.host_seq, b.os, '', floor(extract(epoch FROM s.window_start) / ${NOISE_BIN_SECONDS})::int,
             SUM(s.count)::bigint, MIN(s.window_start), MAX(s.window_start)
      FROM _rb b JOIN syscall_counts s ON s.host_id = b.host_id AND s.window_start = b.window_start AND s.sequence = b.sequence
      GROUP BY 2, 4, 5, 7
      UNION ALL
      SELECT 'initiator', i.initiator, '', b.host_seq, b.os, '', floor(extract(epoch FROM i.window_start) / ${NOISE_BIN_SECONDS})::int,
             SUM(i.count)::bigint, MIN(i.window_start), MAX(i.window_start)
      FROM _rb b JOIN initiator_counts i ON i.host_id = b.host_id AND i.window_start = b.window_start AND i.sequence = b.sequence
      GROUP BY 2, 4, 5, 7`,
  },
  // 2. Subject ids: keys are hashed once per distinct subject, not per row.
  {
    name: 'stage subjects',
    sql: `
      CREATE TEMP TABLE _ns ON COMMIT DROP AS
      SELECT kind, subject, detail, ${SUBJECT_KEY_SQL('kind', 'subject', 'detail')} AS key
      FROM (SELECT DISTINCT kind, subject, detail FROM _nr) d`,
  },
  {
    name: 'noise subjects',
    sql: `
      INSERT INTO noise_subjects (kind, subject, detail, key, subject_key)
      SELECT n.kind, n.subject, n.detail, n.key, ${SUBJECT_ONLY_KEY_SQL('n.kind', 'n.subject')}
      FROM _ns n WHERE NOT EXISTS (SELECT 1 FROM noise_subjects s WHERE s.key = n.key)
      ON CONFLICT (key) DO NOTHING`,
  },
  {
    name: 'noise ids',
    sql: `
      CREATE TEMP TABLE _ni ON COMMIT DROP AS
      WITH ids AS MATERIALIZED (SELECT k.kind, k.subject, k.detail, s.id FROM _ns k JOIN noise_subjects s ON s.key = k.key)
      SELECT ids.id AS subject_id, n.kind, n.host_seq, n.os, n.source, n.bin, n.count, n.first_start, n.last_end
      FROM _nr n JOIN ids ON ids.kind = n.kind AND ids.subject = n.subject AND ids.detail = n.detail`,
  },
  {
    name: 'noise_host_hours',
    sql: `
      INSERT INTO noise_host_hours AS r (subject_id, kind, host_seq, bin, source, count, first_start, last_end)
      SELECT subject_id, kind, host_seq, bin, source, count, first_start, last_end FROM _ni
      ON CONFLICT (subject_id, host_seq, bin, source) DO UPDATE SET ${ADD_COUNT_WIDEN_SPAN}`,
  },
  {
    name: 'noise_fleet_hours',
    sql: `
      INSERT INTO noise_fleet_hours AS r (subject_id, kind, bin, os, source, count, first_start, last_end)
      SELECT subject_id, kind, bin, os, source, SUM(count)::bigint, MIN(first_start), MAX(last_end) FROM _ni
      GROUP BY subject_id, kind, bin, os, source
      ON CONFLICT (subject_id, bin, os, source) DO UPDATE SET ${ADD_COUNT_WIDEN_SPAN}`,
  },
  {
    name: 'noise_host_bits',
    sql: `
      INSERT INTO noise_host_bits AS r (subject_id, bin, os, source, chunk, bits)
      SELECT subject_id, bin, os, source, host_seq / ${HOST_BITS_PER_ROW},
             bit_or(set_bit(B'0'::bit(${HOST_BITS_PER_ROW}), host_seq % ${HOST_BITS_PER_ROW}, 1))
      FROM _ni GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (subject_id, bin, os, source, chunk) DO UPDATE SET bits = r.bits | EXCLUDED.bits`,
  },
  // 2. The exclusion engine's rollup (activity_rollups): per subject, host and 20-minute bin, the
  //    count and the busiest agent window (highest count per second; the earliest batch on a tie).
  //    Subjects: exec (program, parent, user) and file (path) as before, plus the kinds the engine
  //    used to read from the raw tables (raw-activity.repository.ts, same meaning): scan (files
  //    Defender's mdatp-rtp source scanned per process; it sends them as exec rows, which are
  //    therefore no executions), audit-exe (linux-audit records per initiator: file records by
  //    process_path, exec records by the program) and audit-dir (linux-audit file records per directory).
  // Temp tables have no statistics: the planner takes the cells for a few hundred and would sort
  // them by every text key under the collation; hashing is what suits any step size.
  { name: 'hash the activity cells', sql: 'SET LOCAL enable_sort = off' },
  {
    name: 'stage activity',
    sql: `
      CREATE TEMP TABLE _ar ON COMMIT DROP AS
      WITH rows AS (
        SELECT CASE WHEN source = '${MDATP_RTP_SOURCE}' THEN 'scan' ELSE 'exec' END AS kind, path,
               CASE WHEN source = '${MDATP_RTP_SOURCE}' THEN '' ELSE parent_path END AS parent_path,
               CASE WHEN source = '${MDATP_RTP_SOURCE}' THEN '' ELSE usr END AS usr,
               host_seq, sequence, bin, window_start, window_end, count, fmt FROM _eb
        UNION ALL
        SELECT 'audit-exe', path, '', '', host_seq, sequence, bin, window_start, window_end, count, fmt FROM _eb WHERE source = '${AUDIT_SOURCE}'
        UNION ALL
        SELECT 'file', path, '', '', host_seq, sequence, bin, window_start, window_end, count, NULL::smallint FROM _fb
        UNION ALL
        SELECT 'audit-exe', process_path, '', '', host_seq, sequence, bin, window_start, window_end, count, NULL::smallint FROM _fb
        WHERE source = '${AUDIT_SOURCE}' AND process_path <> ''
        UNION ALL
        -- audit-dir keeps the initiator as its parent: one program making a directory's records gives auditd's -x form.
        SELECT 'audit-dir', CASE WHEN strpos(f.path, '/') = 1 THEN p.dir ELSE f.path END, f.process_path, '', f.host_seq, f.sequence, f.bin, f.window_start, f.window_end, f.count,
               NULL::smallint
        FROM _fb f JOIN _pp p ON p.path = f.path WHERE f.source = '${AUDIT_SOURCE}'
      ), per_window AS (
        -- Grouped on the plain timestamps first: the bin and window length (numeric arithmetic)
        -- are then computed per group, not per raw row.
        -- fmt: the program-format code (program-format-code.ts), ordered by strength: max() keeps a script a script.
        SELECT kind, path, parent_path, usr, host_seq, sequence, bin, window_start, window_end, SUM(count)::bigint AS cnt, max(fmt) AS fmt
        FROM rows
        WHERE path <> '' AND count > 0 AND octet_length(path) + octet_length(parent_path) <= ${MAX_KEY_BYTES}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
      ), per_batch AS (
        SELECT kind, path, parent_path, usr, host_seq, sequence, bin,
               GREATEST(1, round(extract(epoch FROM (window_end - window_start))))::int AS seconds,
               SUM(cnt)::bigint AS cnt, min(window_start) AS first_start, max(window_end) AS last_end, max(fmt) AS fmt
        FROM per_window GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
      ), per_cell AS (
        -- The busiest batch as the largest [rate, -sequence, count, seconds]: a hash aggregate,
        -- where array_agg(... ORDER BY) sorted every row under the text collation.
        -- (Counts and seconds are integers far below 2^53: exact as float8.)
        -- and the first and last moment of activity, so rates are judged over the capture, not the bin.
        SELECT kind, path, parent_path, usr, host_seq, bin, SUM(cnt)::bigint AS count,
               max(ARRAY[cnt::float8 / seconds, -sequence::float8, cnt::float8, seconds::float8]) AS peak,
               min(first_start) AS first_start, max(last_end) AS last_end, max(fmt) AS fmt
        FROM per_batch GROUP BY 1, 2, 3, 4, 5, 6
      )
      SELECT kind, path, parent_path, usr, host_seq, bin, count, peak[3]::bigint AS peak_count, peak[4]::int AS peak_window_seconds, fmt AS program_format,
             (floor(extract(epoch FROM first_start)) - bin::float8 * ${ROLLUP_BIN_SECONDS})::int AS active_start_s,
             (ceil(extract(epoch FROM last_end)) - bin::float8 * ${ROLLUP_BIN_SECONDS})::int AS active_end_s
      FROM per_cell`,
  },
  { name: 'sorting allowed again', sql: 'SET LOCAL enable_sort = on' },
  {
    name: 'activity_subjects',
    sql: `
      INSERT INTO activity_subjects (kind, path, parent_path, "user")
      SELECT DISTINCT kind, path, parent_path, usr FROM _ar
      ON CONFLICT DO NOTHING`,
  },
  {
    name: 'activity_rollups',
    sql: `
      INSERT INTO activity_rollups AS r (subject_id, host_seq, bin, count, peak_count, peak_window_seconds, active_start_s, active_end_s, program_format, updated_at)
      SELECT s.id, a.host_seq, a.bin, a.count, a.peak_count, a.peak_window_seconds, a.active_start_s, a.active_end_s, a.program_format, now()
      FROM _ar a JOIN activity_subjects s ON s.kind = a.kind AND s.path = a.path AND s.parent_path = a.parent_path AND s."user" = a.usr
      ON CONFLICT (subject_id, host_seq, bin) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        peak_count = CASE WHEN EXCLUDED.peak_count::float8 / EXCLUDED.peak_window_seconds > r.peak_count::float8 / GREATEST(r.peak_window_seconds, 1)
                          THEN EXCLUDED.peak_count ELSE r.peak_count END,
        peak_window_seconds = CASE WHEN EXCLUDED.peak_count::float8 / EXCLUDED.peak_window_seconds > r.peak_count::float8 / GREATEST(r.peak_window_seconds, 1)
                                   THEN EXCLUDED.peak_window_seconds ELSE r.peak_window_seconds END,
        -- A cell rolled up before the bounds were kept stays unknown (NULL): its earlier counts have no span.
        active_start_s = CASE WHEN r.active_start_s IS NULL THEN NULL ELSE LEAST(r.active_start_s, EXCLUDED.active_start_s) END,
        active_end_s = CASE WHEN r.active_end_s IS NULL THEN NULL ELSE GREATEST(r.active_end_s, EXCLUDED.active_end_s) END,
        -- The stronger program-format reading (GREATEST skips NULL): a script seen in any batch stays a script.
        program_format = GREATEST(r.program_format, EXCLUDED.program_format),
        updated_at = now()`,
  },
];

/**
 * Takes up to `limit` of the oldest pending batches out of rollup_pending
 * (deleted in the applying transaction: exactly once) into `_rp`.
 * (CREATE TABLE AS takes no bind parameters: the limit is an integer, inlined.)
 */
export const TAKE_PENDING_SQL = (limit: number) => `
  CREATE TEMP TABLE _rp ON COMMIT DROP AS
  WITH taken AS (
    DELETE FROM rollup_pending WHERE id IN (SELECT id FROM rollup_pending ORDER BY id LIMIT ${Math.max(1, Math.floor(limit))})
    RETURNING host_id, sequence, window_start
  )
  SELECT host_id, sequence, window_start FROM taken`;

/** Dense host numbers for the taken batches' hosts (only missing ones: no sequence gaps). */
export const ENSURE_HOST_SEQ_SQL = `
  INSERT INTO rollup_hosts (host_id)
  SELECT DISTINCT p.host_id FROM _rp p
  WHERE NOT EXISTS (SELECT 1 FROM rollup_hosts r WHERE r.host_id = p.host_id)
  ON CONFLICT DO NOTHING`;

/**
 * `_rb`: the taken batches with each host's dense number and OS, and the
 * batch's hour (noise) and 20-minute (activity) bin: every raw row of a batch
 * has the batch's window_start (the read joins on it), so the bins are
 * computed once per batch, not per row.
 */
export const BATCHES_SQL = `
  CREATE TEMP TABLE _rb ON COMMIT DROP AS
  SELECT p.host_id, p.sequence, p.window_start, r.seq AS host_seq, COALESCE(h.os, '') AS os,
         floor(extract(epoch FROM p.window_start) / ${NOISE_BIN_SECONDS})::int AS hour_bin,
         floor(extract(epoch FROM p.window_start) / ${ROLLUP_BIN_SECONDS})::int AS bin
  FROM _rp p JOIN rollup_hosts r ON r.host_id = p.host_id LEFT JOIN hosts h ON h.id = p.host_id`;
