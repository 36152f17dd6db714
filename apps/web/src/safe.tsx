// Everything shown comes from hosts, i.e. from whoever controls a process
// name or a file path: treat it as hostile. React escapes HTML; here we also
// make control characters, ANSI escapes and bidi overrides visible and keep
// very long names from breaking the layout.

const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// C0/C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, zero-width marks.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function cleanText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  return s.replace(ANSI, '').replace(INVISIBLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  });
}

/** Keeps the start and the end (where a path's file name is). */
export function truncateMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.55);
  const tail = max - 1 - head;
  return `${s.slice(0, head)}…${s.slice(s.length - tail)}`;
}

/** A hostile string, shown safely: cleaned, truncated, the full cleaned value in the tooltip. */
export function SafeText({ value, max = 90, className }: { value: unknown; max?: number; className?: string }) {
  const clean = cleanText(value);
  const shown = truncateMiddle(clean, max);
  return (
    <span className={`safe ${className ?? ''}`} title={clean} data-full={clean}>
      {shown}
    </span>
  );
}

export function fmtInt(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '–';
}

export function fmtRate(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(3);
}

export function fmtDate(v: string | number | Date | null | undefined): string {
  if (v === null || v === undefined || v === '') return '–';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '–' : d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}
