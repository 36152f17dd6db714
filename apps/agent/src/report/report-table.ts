import type { ActivityReport } from './activity-report';

/** Renders rows as left-aligned text columns (numbers right-aligned). */
function table(headers: string[], rows: string[][], numeric: boolean[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w, i) => (i === widths.length - 1 ? '-'.repeat(Math.min(w, 60)) : '-'.repeat(w))).join('  '), ...rows.map(fmt)];
}

function rate(count: number, seconds: number): string {
  if (!(seconds > 0)) return '-';
  const r = count / seconds;
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(3);
}

/** A readable per-section report, like the vendors' per-host summaries. */
export function formatReportTable(r: ActivityReport, inputLabel: string): string {
  const out: string[] = [];
  const reasons = Object.entries(r.skippedReasons)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  out.push(`Source: ${r.source}   Input: ${inputLabel}`);
  out.push(`Events: ${r.events}   Skipped: ${r.skipped}${reasons ? ` (${reasons})` : ''}   Time span: ${r.durationSeconds}s`);
  const d = r.durationSeconds;

  const section = (title: string, headers: string[], rows: string[][], numeric: boolean[]) => {
    out.push('', title, '='.repeat(title.length));
    if (rows.length === 0) out.push('<no events of interest were found>');
    else out.push(...table(headers, rows, numeric));
  };

  section(
    'Executables (successful execve/execveat)',
    ['count', 'per sec', 'top parent', 'users', 'executable'],
    r.execs.map((e) => [String(e.count), rate(e.count, d), e.parents[0]?.path || '?', e.users.map((u) => u.user || '?').join(','), e.path]),
    [true, true, false, false, false],
  );
  section(
    'Files',
    ['count', 'per sec', 'ops', 'path'],
    r.files.map((f) => [
      String(f.count),
      rate(f.count, d),
      Object.entries(f.ops)
        .map(([op, n]) => `${op}:${n}`)
        .join(' '),
      f.path,
    ]),
    [true, true, false, false],
  );
  section(
    'Audit keys',
    ['count', 'per sec', 'key'],
    r.keys.map((k) => [String(k.count), rate(k.count, d), k.key]),
    [true, true, false],
  );
  section(
    'Syscalls',
    ['count', 'per sec', 'syscall'],
    r.syscalls.map((s) => [String(s.count), rate(s.count, d), s.syscall]),
    [true, true, false],
  );
  if (r.initiators.length > 0) {
    section(
      'Initiators (events by program, as aureport -x)',
      ['count', 'per sec', 'program'],
      r.initiators.map((s) => [String(s.count), rate(s.count, d), s.initiator]),
      [true, true, false],
    );
  }
  return out.join('\n') + '\n';
}
