import { isUtf8 } from 'node:buffer';
import { JsonDocumentScanner, DEFAULT_MAX_DOCUMENT_BYTES } from './json-document-scanner';
import { looseGet, parseWholeDocument, salvageArray, toBigCount, toCount } from './json-salvage';
import { SkipListenerOptions, SkipSummary, SkipTally } from '@fleettune/line-input';
import { MdatpSkipReason } from './mdatp-skip-reason';

/** One per-PID counter of `mdatp diagnostic real-time-protection-statistics`. Cumulative since the daemon started. */
export interface MdatpRtpCounter {
  pid: number;
  /** null for processes that exited (and in some builds `unknown`). */
  name: string | null;
  path: string | null;
  isActive?: boolean;
  filesScanned: number;
  /** Nanoseconds; bigint because a long-running busy daemon exceeds 2^53 ns (104 days) of scan time. */
  scanTimeNs: bigint;
  maxFileScanTimeNs: bigint;
}

/** The counters of one invocation of the command (one "poll"). */
export interface MdatpRtpPoll {
  /** 0-based position of the poll in the input. */
  index: number;
  counters: MdatpRtpCounter[];
  /** False when the output was cut short or damaged: counters missing from it are unknown, not gone. */
  complete: boolean;
  /** When the poll was taken, if the input says (a `{"pollTimeMs": …}` line or field, or the directory reader). */
  pollTimeMs?: number;
  format: 'json' | 'text';
}

/** `messages`: readable descriptions of the first problems (e.g. where the JSON ends). */
export interface MdatpRtpParseStats extends SkipSummary<MdatpSkipReason> {
  polls: number;
  counters: number;
}

export interface MdatpRtpParserOptions extends SkipListenerOptions<MdatpSkipReason> {
  maxDocumentBytes?: number;
}

const COUNTERS_KEY = /"counters"\s*:\s*\[/i;

/** Reads a poll time given as epoch ms / s / µs / ns number or an ISO date string. */
export function parsePollTime(v: unknown): number | undefined {
  if (typeof v === 'string' && !/^\d+$/.test(v.trim())) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return n * 1000; // seconds
  if (n < 1e14) return n; // ms
  if (n < 1e17) return Math.floor(n / 1000); // µs
  return Math.floor(n / 1e6); // ns
}

/**
 * Push parser of `mdatp diagnostic real-time-protection-statistics` output:
 * `--output json` (camelCase or snake_case keys, numbers as strings or
 * numbers, null name/path), several polls appended to one stream, and the
 * text form (`Process id: …`). Bad input is counted in `stats`, never thrown;
 * a JSON document cut short keeps its complete counters (poll marked incomplete).
 */
export class MdatpRtpStatisticsParser {
  private readonly tally: SkipTally<MdatpSkipReason>;
  private readonly scanner: JsonDocumentScanner;
  private polls = 0;
  private counters = 0;
  private pendingPollTimeMs?: number;
  // text form state
  private textPoll: MdatpRtpCounter[] = [];
  private textPids = new Set<number>();
  private textRecord: Partial<{ pid: number; name: string | null; path: string | null; files: number; time: bigint; active: boolean }> | undefined;

  constructor(
    private readonly onPoll: (poll: MdatpRtpPoll) => void,
    options: MdatpRtpParserOptions = {},
  ) {
    this.tally = new SkipTally(options.onSkip);
    this.scanner = new JsonDocumentScanner(
      {
        onDocument: (d) => {
          this.endTextPoll();
          this.document(d.bytes, d.truncated, d.line);
        },
        onTextLine: (l, n) => this.textLine(l, n),
        onTooLarge: (kind, line) => this.tally.add(kind === 'document' ? 'document-too-large' : 'line-too-long', `line ${line}: ${kind} too large, skipped`),
      },
      options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    );
  }

  /** Sets the time of the next poll (e.g. a file's mtime when polls are files in a directory). */
  setNextPollTime(ms: number | undefined): void {
    this.pendingPollTimeMs = ms;
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  end(): MdatpRtpParseStats {
    this.scanner.end();
    this.endTextRecord();
    this.endTextPoll();
    return this.stats;
  }

  get stats(): MdatpRtpParseStats {
    return {
      polls: this.polls,
      counters: this.counters,
      ...this.tally.summary(),
    };
  }

  private emit(counters: MdatpRtpCounter[], complete: boolean, format: 'json' | 'text', pollTimeMs?: number): void {
    const poll: MdatpRtpPoll = { index: this.polls++, counters, complete, format, pollTimeMs: pollTimeMs ?? this.pendingPollTimeMs };
    this.pendingPollTimeMs = undefined;
    this.counters += counters.length;
    this.onPoll(poll);
  }

  private document(bytes: Buffer, truncated: boolean, line: number): void {
    const text = bytes.toString('utf8');
    const badUtf8 = !isUtf8(bytes);
    const whole = parseWholeDocument(text, truncated);
    if (whole) {
      this.parsedDocument(whole.value, line, badUtf8);
      return;
    }
    // Cut short or damaged: keep every complete counter.
    const s = salvageArray(text, COUNTERS_KEY);
    if (!s.found) {
      this.tally.add(
        truncated ? 'truncated-json' : 'malformed-json',
        `line ${line}: JSON document ${truncated ? 'ends midway' : 'does not parse'} before any counters (${bytes.length} bytes), skipped`,
      );
      return;
    }
    const counters: MdatpRtpCounter[] = [];
    for (const el of s.elements) {
      let obj: unknown;
      try {
        obj = JSON.parse(el);
      } catch {
        this.tally.add('malformed-json', `line ${line}: a counter does not parse, skipped`);
        continue;
      }
      const c = this.counter(obj, line);
      if (c) counters.push(c);
    }
    const reason: MdatpSkipReason = s.cut || truncated ? 'truncated-json' : 'malformed-json';
    this.tally.add(
      reason,
      `line ${line}: JSON ${reason === 'truncated-json' ? 'ends midway' : 'is damaged'} after ${counters.length} complete counter(s); the poll is kept as incomplete`,
    );
    this.emit(counters, false, 'json', this.docTime(text));
  }

  private docTime(text: string): number | undefined {
    const m = /"poll_?time(?:_?ms)?"\s*:\s*("[^"]*"|\d+)/i.exec(text);
    return m ? parsePollTime(m[1].startsWith('"') ? m[1].slice(1, -1) : Number(m[1])) : undefined;
  }

  private parsedDocument(doc: unknown, line: number, badUtf8: boolean): void {
    let list: unknown;
    let time: number | undefined;
    if (Array.isArray(doc)) list = doc;
    else if (doc && typeof doc === 'object') {
      const o = doc as Record<string, unknown>;
      list = looseGet(o, 'counters');
      time = parsePollTime(looseGet(o, 'pollTimeMs', 'pollTime'));
      if (list === undefined) {
        if (time !== undefined && Object.keys(o).length <= 3) {
          // A poll-time marker line written between polls: `{"pollTimeMs": 1732426000000}`.
          this.pendingPollTimeMs = time;
          return;
        }
        this.tally.add('no-counters', `line ${line}: JSON document has no "counters" array, skipped`);
        return;
      }
      if (list === null) {
        // Tamper protection in block mode returns null results: a poll that says nothing.
        this.tally.add('no-counters', `line ${line}: "counters" is null (tamper protection in block mode?)`);
        return;
      }
    }
    if (!Array.isArray(list)) {
      this.tally.add('no-counters', `line ${line}: JSON document has no "counters" array, skipped`);
      return;
    }
    const counters: MdatpRtpCounter[] = [];
    let complete = true;
    for (const el of list) {
      const c = this.counter(el, line);
      if (c) {
        if (badUtf8 && (c.name?.includes('\ufffd') || c.path?.includes('\ufffd'))) {
          this.tally.add('invalid-utf8', `line ${line}: counter ${c.pid} has a name/path that is not UTF-8, skipped`);
          complete = false;
          continue;
        }
        counters.push(c);
      } else complete = false;
    }
    this.emit(counters, complete, 'json', time);
  }

  private counter(el: unknown, line: number): MdatpRtpCounter | undefined {
    if (!el || typeof el !== 'object' || Array.isArray(el)) {
      this.tally.add('bad-counter', `line ${line}: a counter is not an object, skipped`);
      return undefined;
    }
    const o = el as Record<string, unknown>;
    const pid = toCount(looseGet(o, 'id', 'pid', 'processId'));
    const files = toCount(looseGet(o, 'totalFilesScanned'));
    if (pid === undefined || files === undefined) {
      this.tally.add('bad-counter', `line ${line}: a counter has no usable ${pid === undefined ? 'id' : 'totalFilesScanned'}, skipped`);
      return undefined;
    }
    const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
    const active = looseGet(o, 'isActive');
    return {
      pid,
      name: str(looseGet(o, 'name')),
      path: str(looseGet(o, 'path')),
      isActive: typeof active === 'boolean' ? active : undefined,
      filesScanned: files,
      scanTimeNs: toBigCount(looseGet(o, 'totalScanTime')) ?? 0n,
      maxFileScanTimeNs: toBigCount(looseGet(o, 'maxFileScanTime')) ?? 0n,
    };
  }

  // ---- text form (`--sort --top N` without --output json)

  private textLine(line: Buffer, n: number): void {
    if (!isUtf8(line)) {
      this.tally.add('invalid-utf8', `line ${n}: not UTF-8, skipped`);
      return;
    }
    const s = line.toString('utf8').trim();
    if (/^=+$/.test(s)) {
      this.endTextRecord();
      return;
    }
    const m = /^(Process id|Name|Path|Total files scanned|Scan time \(ns\)|Status)\s*:\s*(.*)$/i.exec(s);
    if (!m) {
      this.endTextRecord();
      this.endTextPoll();
      if (/^[$#]\s.*\bmdatp\b/.test(s)) return; // the command line of a pasted capture
      this.tally.add('text-line', `line ${n}: not part of the statistics, skipped`);
      return;
    }
    const field = m[1].toLowerCase();
    const value = m[2].replace(/^"(.*)"$/, '$1');
    if (field === 'process id') {
      this.endTextRecord();
      const pid = toCount(value);
      if (pid === undefined) {
        this.tally.add('bad-row', `line ${n}: bad process id, record skipped`);
        this.textRecord = undefined;
        return;
      }
      this.textRecord = { pid };
      return;
    }
    if (!this.textRecord) {
      this.tally.add('bad-row', `line ${n}: "${m[1]}" outside a process record, skipped`);
      return;
    }
    const r = this.textRecord;
    if (field === 'name') r.name = value && value !== 'None' && value !== 'null' ? value : null;
    else if (field === 'path') r.path = value && value !== 'None' && value !== 'null' ? value : null;
    else if (field === 'total files scanned') r.files = toCount(value);
    else if (field === 'scan time (ns)') r.time = toBigCount(value);
    else if (field === 'status') r.active = /^active$/i.test(value);
  }

  private endTextRecord(): void {
    const r = this.textRecord;
    this.textRecord = undefined;
    if (!r || r.pid === undefined) return;
    if (r.files === undefined) {
      this.tally.add('bad-row', `process ${r.pid}: no "Total files scanned", record skipped`);
      return;
    }
    if (this.textPids.has(r.pid)) this.endTextPoll(); // the same pid again: the next poll
    this.textPids.add(r.pid);
    this.textPoll.push({
      pid: r.pid,
      name: r.name ?? null,
      path: r.path ?? null,
      isActive: r.active,
      filesScanned: r.files,
      scanTimeNs: r.time ?? 0n,
      maxFileScanTimeNs: 0n,
    });
  }

  private endTextPoll(): void {
    if (this.textRecord) this.endTextRecord();
    if (this.textPoll.length === 0) return;
    const counters = this.textPoll;
    this.textPoll = [];
    this.textPids = new Set();
    // The text form lists only the top N processes: never complete.
    this.emit(counters, false, 'text');
  }
}

/** Parses a whole output at once (text or bytes): every poll, and the skip tally. */
export function parseMdatpRtpStatistics(input: string | Buffer, options: MdatpRtpParserOptions = {}): { polls: MdatpRtpPoll[]; stats: MdatpRtpParseStats } {
  const polls: MdatpRtpPoll[] = [];
  const p = new MdatpRtpStatisticsParser((x) => polls.push(x), options);
  p.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  return { polls, stats: p.end() };
}
