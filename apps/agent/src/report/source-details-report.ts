import type { SourceReadResult } from '../sources/event-source';
import { detailsOf } from '../sources/source-details';

/** Left-aligned text columns, numbers right-aligned, last column unpadded. */
function table(headers: string[], rows: string[][], numeric: boolean[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, 60) : w)).join('  '), ...rows.map(fmt)];
}

/**
 * The extra sections a source attached to its read result (e.g. mdatp-rtp's
 * per-process files scanned and scan time, and its --group by name view), as
 * text to print after the standard report; '' when there are none.
 */
export function formatSourceDetails(read: SourceReadResult, top: number): string {
  const d = detailsOf(read);
  if (!d) return '';
  const out: string[] = [];
  for (const s of d.sections) {
    out.push('', s.title, '='.repeat(s.title.length));
    if (s.rows.length === 0) out.push('<no events of interest were found>');
    else
      out.push(
        ...table(
          s.columns,
          s.rows.slice(0, top).map((r) => r.map(String)),
          s.numeric,
        ),
      );
  }
  if (d.notes.length) out.push('', 'Notes', '=====', ...d.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

/** The same sections for --json: `{ details: { notes, sections: [{title, columns, rows}], data } }`, rows cut to --top. */
export function sourceDetailsJson(read: SourceReadResult, top: number): { details?: unknown } {
  const d = detailsOf(read);
  if (!d) return {};
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d.data)) data[k] = Array.isArray(v) ? v.slice(0, top) : v;
  return { details: { notes: d.notes, sections: d.sections.map((s) => ({ title: s.title, columns: s.columns, rows: s.rows.slice(0, top) })), data } };
}
