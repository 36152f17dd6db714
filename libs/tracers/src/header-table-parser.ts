import type { ObservedEvent } from '@fleettune/counting';
import { decodeStrictUtf8, hasControlBytes, LineEventReader, LineEventReaderOptions } from '@fleettune/line-input';
import { TimeOfDayClock } from '@fleettune/line-input';

/** Why a tracer output line was not counted. Counted, never thrown. */
export type TracerSkipReason =
  | 'line-too-long'
  | 'invalid-utf8' // bcc decodes names with errors='replace' and DTrace prints text: such bytes are noise
  | 'control-bytes'
  | 'comment' // `# ./execsnoop` command lines kept in saved outputs
  | 'no-header' // a row before any header line: its columns are unknown
  | 'truncated' // a row without its newline at the end of the input (cut while written)
  | 'unrecognized' // a line that fits neither the header nor a row of the current header
  | 'internal-error';

export interface TracerParserOptions extends LineEventReaderOptions {
  /** Time of rows without a timestamp column; default Date.now at each row. */
  now?: () => number;
  /** Wall time of the first row, for relative columns (`TIME(s)`, iosnoop `TIME`/`STIME` µs); default now() at the first such row. */
  startTimeMs?: number;
  /** Day of `HH:MM:SS` stamps (local time); default the day of now(). */
  baseDateMs?: number;
  /** The recording ended by then (a file's mtime); a first stamp later than it is from the day before. Default: now() when baseDateMs is absent. */
  recordedUntilMs?: number;
}

/** One header column: the regex of its value (one capture group). */
export type ColumnPatterns = Readonly<Record<string, string>>;

export interface TableSpec {
  /** Every column name the tool prints, with the regex of its value. */
  columns: ColumnPatterns;
  /** Columns a header must have to be taken as this tool's header. */
  required: readonly string[];
}

/** Access to one parsed row by header name. */
export type Row = (column: string) => string | undefined;

interface Layout {
  re: RegExp;
  names: string[];
}

/**
 * Base of the column-oriented tracer outputs (bcc execsnoop/opensnoop,
 * DTraceToolkit iosnoop): the header line says which optional columns are
 * present, and each row is matched against a regex built from it (so a COMM
 * with spaces, or a free-text last column, still splits right). A new header
 * (outputs concatenated) switches the layout.
 */
export abstract class HeaderTableParser extends LineEventReader {
  private layout?: Layout;
  private readonly now: () => number;
  private readonly clock: TimeOfDayClock;
  private startTimeMs?: number;
  private relativeBase?: number;

  constructor(
    onEvent: (event: ObservedEvent) => void,
    options: TracerParserOptions,
    private readonly spec: TableSpec,
  ) {
    super(onEvent, options);
    this.now = options.now ?? Date.now;
    this.startTimeMs = options.startTimeMs;
    // A live stream (no base date) cannot carry stamps later than now; a file, none later than its mtime.
    this.clock = new TimeOfDayClock(options.baseDateMs ?? this.now(), options.recordedUntilMs ?? (options.baseDateMs === undefined ? this.now() : undefined));
  }

  protected abstract row(get: Row): void;

  protected line(buf: Buffer, start: number, end: number): void {
    if (hasControlBytes(buf, start, end)) return this.skip('control-bytes');
    const text = decodeStrictUtf8(buf, start, end);
    if (text === undefined) return this.skip('invalid-utf8');
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) return this.skip('comment');
    const c0 = trimmed.charCodeAt(0);
    if (c0 >= 65 && c0 <= 90) {
      // headers are upper-case column names; rows start with a number (or a device name)
      const tokens = trimmed.split(/\s+/);
      if (this.isHeader(tokens)) {
        this.layout = this.buildLayout(tokens);
        this.relativeBase = undefined;
        return;
      }
    }
    if (!this.layout) return this.skip('no-header');
    if (this.unterminated) return this.skip('truncated');
    const m = this.layout.re.exec(text);
    if (!m) return this.skip('unrecognized');
    const names = this.layout.names;
    this.row((c) => {
      const i = names.indexOf(c);
      return i < 0 ? undefined : m[i + 1];
    });
  }

  private isHeader(tokens: string[]): boolean {
    const cols = this.spec.columns;
    if (!tokens.every((t) => Object.prototype.hasOwnProperty.call(cols, t))) return false;
    return this.spec.required.every((r) => tokens.includes(r));
  }

  private buildLayout(tokens: string[]): Layout {
    const parts = tokens.map((t) => this.spec.columns[t]);
    // the last column takes the rest of the line (ARGS, PATH, PATHNAME) and may be empty
    const last = parts.pop() as string;
    return { re: new RegExp('^\\s*' + parts.join(' +') + '(?: +' + last + ')?\\s*$'), names: tokens };
  }

  /**
   * The row's time: an `HH:MM:SS` column (execsnoop -T), an absolute
   * `YYYY Mon DD HH:MM:SS` (iosnoop -v STRTIME), a relative column (seconds
   * for `TIME(s)`, microseconds for iosnoop `TIME`/`STIME`) added to
   * startTimeMs, or now().
   */
  protected rowTime(get: Row): number {
    const tod = get('TIME');
    if (tod !== undefined && tod.includes(':')) {
      const t = this.clock.parse(tod);
      if (t !== undefined) return t;
    }
    const str = get('STRTIME');
    if (str !== undefined) {
      const t = Date.parse(str.replace(/^(\d{4}) (\w{3}) +(\d{1,2}) /, '$2 $3 $1 '));
      if (Number.isFinite(t)) return t;
    }
    const secs = get('TIME(s)');
    if (secs !== undefined) return this.relative(+secs * 1000);
    const us = get('TIME') ?? get('STIME');
    if (us !== undefined && /^\d+$/.test(us)) return this.relative(+us / 1000);
    return this.now();
  }

  private relative(ms: number): number {
    if (!Number.isFinite(ms)) return this.now();
    this.startTimeMs ??= this.now();
    this.relativeBase ??= ms;
    return Math.round((this.startTimeMs + (ms - this.relativeBase)) * 1000) / 1000; // µs precision
  }
}

/** Value patterns shared by the tools (one capture group each). */
export const COL = {
  int: '(\\d+)',
  signed: '(-?\\d+)',
  tod: '(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?)',
  seconds: '(\\d+(?:\\.\\d+)?)',
  /** a comm: 1-16 chars, may hold spaces; lazy so the numeric column after it anchors it */
  comm: '(.{1,16}?)',
  word: '(\\S+)',
  rest: '(.*?)',
} as const;
