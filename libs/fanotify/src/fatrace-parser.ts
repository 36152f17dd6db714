import type { FileOp, ObservedEvent, ObservedFile } from '@fleettune/counting';
import { decodeEscapingInvalid, LineEventReader, LineEventReaderOptions } from '@fleettune/line-input';
import { parseEpochSeconds, TimeOfDayClock } from '@fleettune/line-input';

/** Why a fatrace line was not counted. Counted, never thrown. */
export type FatraceSkipReason =
  | 'line-too-long' // longer than maxLineBytes; dropped without buffering it whole
  | 'invalid-utf8' // a JSON line that is not UTF-8 (fatrace -j escapes raw names as path_raw)
  | 'control-bytes' // a JSON line with raw control bytes
  | 'truncated' // a text line without its newline at the end of the input (cut while written)
  | 'unrecognized' // a text line that is not `[time ]comm(pid)[ [uid:gid]]: TYPES path…`
  | 'bad-json' // a line starting with `{` that is not JSON (e.g. cut midway)
  | 'bad-record' // JSON without a valid `types`, `pid`, or path, or with fields of the wrong type
  | 'bad-timestamp' // a timestamp that is neither HH:MM:SS.µs nor epoch seconds
  | 'internal-error';

/**
 * fatrace event letters (fatrace.8) and the op each maps to. One fatrace line
 * (one fanotify event, possibly several merged) is one ObservedEvent with one
 * file entry per distinct op:
 *
 * | letters            | op       | path                                  |
 * |--------------------|----------|---------------------------------------|
 * | `W` (also CW, CWO) | modify   | the file                              |
 * | `O` / `R` (no `W`) | open     | the file                              |
 * | `C` alone          | other    | the file (close without write)        |
 * | `+`                | create   | the **directory** an entry was made in |
 * | `D`                | delete   | the **directory** an entry left       |
 * | `<` and/or `>`     | rename   | the **directory** (one op for both)   |
 *
 * W/O/R/C describe one access of the file, so they yield a single op (W wins
 * over O/R, which win over C). The directory letters (Linux 5.1+) come with
 * the directory as path, never the entry's name: that is what fanotify
 * reports and what an AV exclusion would have to cover.
 * A line whose path is unknown (`O device 8:2 inode 658203`) is an event with
 * no file entry.
 */
export function fatraceTypesToOps(types: string): FileOp[] | undefined {
  if (types.length === 0) return undefined;
  let w = false;
  let or = false;
  let c = false;
  let create = false;
  let del = false;
  let rename = false;
  for (let i = 0; i < types.length; i++) {
    switch (types.charCodeAt(i)) {
      case 87:
        w = true;
        break; // W
      case 79:
      case 82:
        or = true;
        break; // O R
      case 67:
        c = true;
        break; // C
      case 43:
        create = true;
        break; // +
      case 68:
        del = true;
        break; // D
      case 60:
      case 62:
        rename = true;
        break; // < >
      default:
        return undefined;
    }
  }
  const ops: FileOp[] = [];
  if (w) ops.push('modify');
  else if (or) ops.push('open');
  else if (c) ops.push('other');
  if (create) ops.push('create');
  if (del) ops.push('delete');
  if (rename) ops.push('rename');
  return ops;
}

export type FatraceFormat = 'auto' | 'text' | 'json';

export interface FatraceParserOptions extends LineEventReaderOptions {
  /** Time of events that carry no timestamp (fatrace without -t); default Date.now at each line. */
  now?: () => number;
  /** Day that `-t` time-of-day stamps belong to (local time); default: the day of now(). */
  baseDateMs?: number;
  /** The recording ended by then (a file's mtime); a first stamp later than it is from the day before. Default: now() when baseDateMs is absent. */
  recordedUntilMs?: number;
}

// [time ]comm(pid)[ [uid:gid]]: TYPES path… — comm is at most 15 bytes
// (TASK_COMM_LEN) but may hold spaces, parentheses or `: `, so the pid is the
// first `(digits)` followed by `[: ]` or ` [uid:gid]:`, found lazily.
const TEXT_LINE = /^(?:(\d{2}:\d{2}:\d{2}\.\d+|\d+\.\d+) )?(.{0,64}?)\((\d+)\)(?: \[(\d+):(\d+)\])?: ([CROW+D<>]+) +(.*)$/s;
const UNKNOWN_PATH = /^device \d+:\d+ inode \d+$/;

/**
 * fatrace output (text, `-j` JSON lines, or both mixed: detected per line by
 * a leading `{`) to ObservedEvents. Every line is one event; see
 * fatraceTypesToOps for the ops. The initiator (`processPath`) is the `exe`
 * (fatrace -e / JSON `exe`), else '' (the comm is a name, not a path).
 * Names that are not UTF-8 (raw bytes in text, `path_raw` in JSON) are kept
 * with `\xNN` escapes, the same way in both formats.
 */
export class FatraceParser extends LineEventReader {
  private readonly now: () => number;
  private readonly clock: TimeOfDayClock;

  constructor(
    onEvent: (event: ObservedEvent) => void,
    options: FatraceParserOptions = {},
    private readonly format: FatraceFormat = 'auto',
  ) {
    super(onEvent, options);
    this.now = options.now ?? Date.now;
    // A live stream (no base date) cannot carry stamps later than now; a file, none later than its mtime.
    this.clock = new TimeOfDayClock(options.baseDateMs ?? this.now(), options.recordedUntilMs ?? (options.baseDateMs === undefined ? this.now() : undefined));
  }

  protected line(buf: Buffer, start: number, end: number): void {
    let first = start;
    while (first < end && (buf[first] === 32 || buf[first] === 9)) first++;
    const isJson = buf[first] === 123; // '{'
    if (this.format === 'json' || (this.format === 'auto' && isJson)) this.jsonLine(buf, start, end);
    else this.textLine(buf, start, end);
  }

  private textLine(buf: Buffer, start: number, end: number): void {
    // fatrace ends every line with a newline: one without it was cut while being written
    if (this.unterminated) return this.skip('truncated');
    const line = buf.subarray(start, end);
    if (line.indexOf(0) >= 0) return this.skip('control-bytes');
    const text = decodeEscapingInvalid(line);
    const m = TEXT_LINE.exec(text);
    if (!m) return this.skip('unrecognized');
    let timestampMs: number;
    if (m[1] === undefined) timestampMs = this.now();
    else {
      const t = m[1].includes(':') ? this.clock.parse(m[1]) : parseEpochSeconds(m[1]);
      if (t === undefined) return this.skip('bad-timestamp');
      timestampMs = t;
    }
    const ops = fatraceTypesToOps(m[6]);
    if (!ops) return this.skip('unrecognized');
    let rest = m[7];
    const parents = rest.indexOf(', parents=(');
    if (parents >= 0) rest = rest.slice(0, parents);
    let exe = '';
    const exeAt = rest.lastIndexOf(' exe=');
    if (exeAt >= 0) {
      exe = rest.slice(exeAt + 5);
      rest = rest.slice(0, exeAt);
    }
    const path = UNKNOWN_PATH.test(rest) ? '' : rest;
    this.emitEvent(timestampMs, path, ops, exe);
  }

  private jsonLine(buf: Buffer, start: number, end: number): void {
    const json = this.parseJsonLine(buf, start, end);
    if (!json) return;
    const v = json.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.skip('bad-record');
    const r = v as Record<string, unknown>;
    if (typeof r.types !== 'string' || typeof r.pid !== 'number') return this.skip('bad-record');
    const ops = fatraceTypesToOps(r.types);
    if (!ops) return this.skip('bad-record');
    let path: string;
    if (typeof r.path === 'string') path = r.path;
    else if (Array.isArray(r.path_raw)) {
      const bytes = byteArray(r.path_raw);
      if (!bytes) return this.skip('bad-record');
      path = decodeEscapingInvalid(bytes);
    } else if (r.path === undefined && r.path_raw === undefined)
      path = ''; // device/inode only
    else return this.skip('bad-record');
    let timestampMs: number;
    if (r.timestamp === undefined) timestampMs = this.now();
    else if (typeof r.timestamp === 'number' && Number.isFinite(r.timestamp) && r.timestamp >= 0) {
      timestampMs = Math.round(r.timestamp * 1e6) / 1e3;
    } else if (typeof r.timestamp === 'string') {
      const t = r.timestamp.includes(':') ? this.clock.parse(r.timestamp) : parseEpochSeconds(r.timestamp);
      if (t === undefined) return this.skip('bad-timestamp');
      timestampMs = t;
    } else return this.skip('bad-timestamp');
    let exe = '';
    if (typeof r.exe === 'string') exe = r.exe;
    else if (Array.isArray(r.exe_raw)) exe = decodeEscapingInvalid(byteArray(r.exe_raw) ?? new Uint8Array());
    this.emitEvent(timestampMs, path, ops, exe);
  }

  private emitEvent(timestampMs: number, path: string, ops: FileOp[], exe: string): void {
    const files: ObservedFile[] = path === '' ? [] : ops.map((op) => ({ path, op, processPath: exe }));
    this.emit({ timestampMs, files, keys: [] });
  }
}

function byteArray(a: unknown[]): Uint8Array | undefined {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const b = a[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return undefined;
    out[i] = b;
  }
  return out;
}

/** fatrace's text output only (`comm(pid): TYPES path`, with -t/-tt/-u/-e/-P variants). */
export class FatraceTextParser extends FatraceParser {
  constructor(onEvent: (event: ObservedEvent) => void, options: FatraceParserOptions = {}) {
    super(onEvent, options, 'text');
  }
}

/** fatrace -j JSON lines only. */
export class FatraceJsonParser extends FatraceParser {
  constructor(onEvent: (event: ObservedEvent) => void, options: FatraceParserOptions = {}) {
    super(onEvent, options, 'json');
  }
}

/** Parses a whole buffer (tests, small inputs). */
export function parseFatrace(
  input: Buffer | string,
  options: FatraceParserOptions = {},
  format: FatraceFormat = 'auto',
): { events: ObservedEvent[]; stats: FatraceParser['stats'] } {
  const events: ObservedEvent[] = [];
  const p = new FatraceParser((e) => events.push(e), options, format);
  p.push(typeof input === 'string' ? Buffer.from(input) : input);
  return { events, stats: p.end() };
}
