import { SkipListenerOptions, SkipSummary, TextReportParser } from '@fleettune/line-input';
import { CiscoSkipReason, CONTROL_BYTES } from './cisco-skip-reason';

export type CiscoScanListKind = 'execs' | 'fileops';

export interface CiscoScanCountRow {
  kind: CiscoScanListKind;
  path: string;
  count: number;
  line: number;
}

export interface CiscoScanCountListStats extends SkipSummary<CiscoSkipReason> {
  rows: number;
  /** Which column order the lines used (both when mixed). */
  orientation: { countFirst: number; pathFirst: number };
}

export interface CiscoScanCountListParserOptions extends SkipListenerOptions<CiscoSkipReason> {
  kind: CiscoScanListKind;
}

/** execs / fileops from a Support Tool file name (`execs.txt`, `fileops.txt`); undefined when it does not say. */
export function ciscoListKindFromName(name: string | undefined): CiscoScanListKind | undefined {
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop()!.toLowerCase();
  if (/exec/.test(base)) return 'execs';
  if (/file_?ops?|fileop/.test(base)) return 'fileops';
  return undefined;
}

const SEP = '[\\s,;|:]+';
const COUNT_FIRST = new RegExp(`^(\\d+)${SEP}(\\S.*)$`);
const PATH_FIRST = new RegExp(`^(.*?[^\\s,;|:])${SEP}(\\d+)$`);
const unquote = (s: string) => (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'"))) ? s.slice(1, -1) : s);
/** Most two-way lines held until the column order is known (bounded memory). */
const MAX_PENDING = 100_000;
const pathLike = (s: string) => /^["']?[/~]/.test(s);

/**
 * Parses the Support Tool's scan-count lists (`execs.txt`, `fileops.txt`:
 * paths sorted by scan count). No public sample exists, so both `count path`
 * and `path count` lines are accepted (whitespace, tab, comma, colon, `|` or
 * `;` between; paths may hold spaces; quotes stripped). When a line could be
 * read both ways, the path that starts with `/` or `~` wins, then the column
 * order most other lines used. Anything else is counted as skipped with the
 * line number, never guessed.
 */
export class CiscoScanCountListParser extends TextReportParser<CiscoSkipReason, CiscoScanCountListStats> {
  private rows = 0;
  private countFirst = 0;
  private pathFirst = 0;
  /** Lines that could be read both ways, decided at end() by the majority order. */
  private pending: Array<{ line: number; a: { path: string; count: string }; b: { path: string; count: string } }> = [];

  constructor(
    private readonly onRow: (row: CiscoScanCountRow) => void,
    private readonly options: CiscoScanCountListParserOptions,
  ) {
    super(options.onSkip);
  }

  /** Lines that could be read both ways take the order most other lines used. */
  protected finish(): CiscoScanCountListStats {
    for (const p of this.pending) {
      if (this.countFirst > this.pathFirst) this.emit(p.a.path, p.a.count, p.line, 'count');
      else if (this.pathFirst > this.countFirst) this.emit(p.b.path, p.b.count, p.line, 'path');
      else this.tally.add('ambiguous', `line ${p.line}: could be "count path" or "path count", skipped`);
    }
    this.pending = [];
    return {
      rows: this.rows,
      orientation: { countFirst: this.countFirst, pathFirst: this.pathFirst },
      ...this.tally.summary(),
    };
  }

  protected line(text: string, n: number): void {
    const s = text.trim();
    if (s === '') return;
    if (CONTROL_BYTES.test(s)) {
      this.tally.add('control-bytes', `line ${n}: control bytes, skipped`);
      return;
    }
    const a = COUNT_FIRST.exec(s);
    const b = PATH_FIRST.exec(s);
    const ca = a ? { path: unquote(a[2].trim()), count: a[1] } : undefined;
    const cb = b ? { path: unquote(b[1].trim()), count: b[2] } : undefined;
    if (ca && cb) {
      const pa = pathLike(ca.path);
      const pb = pathLike(cb.path);
      if (pa && !pb) this.take(ca, n, 'count');
      else if (pb && !pa) this.take(cb, n, 'path');
      else if (this.pending.length < MAX_PENDING) this.pending.push({ line: n, a: ca, b: cb });
      else this.tally.add('ambiguous', `line ${n}: could be "count path" or "path count", skipped`);
      return;
    }
    if (ca) this.take(ca, n, 'count');
    else if (cb) this.take(cb, n, 'path');
    else this.tally.add('unparseable', `line ${n}: neither "count path" nor "path count": ${JSON.stringify(s.slice(0, 80))}`);
  }

  private take(c: { path: string; count: string }, line: number, order: 'count' | 'path'): void {
    if (order === 'count') this.countFirst++;
    else this.pathFirst++;
    this.emit(c.path, c.count, line, order);
  }

  private emit(path: string, countText: string, line: number, _order: 'count' | 'path'): void {
    const count = Number(countText);
    if (!Number.isSafeInteger(count)) {
      this.tally.add('bad-count', `line ${line}: count ${countText.slice(0, 30)} out of range, skipped`);
      return;
    }
    if (path === '') {
      this.tally.add('unparseable', `line ${line}: empty path, skipped`);
      return;
    }
    this.rows++;
    this.onRow({ kind: this.options.kind, path, count, line });
  }
}
