import { isUtf8 } from 'node:buffer';
import { AuditLineSplitter } from '@fleettune/audit';
import type { ObservedEvent } from '@fleettune/counting';
import { DEFAULT_MAX_LINE_BYTES } from './line-splitter';

export interface LineReadStats {
  events: number;
  bytes: number;
  skipped: number;
  /** Skipped lines by reason (see each parser's SkipReason type). */
  skippedReasons: Record<string, number>;
  firstTimestampMs?: number;
  lastTimestampMs?: number;
}

export interface LineEventReaderOptions {
  maxLineBytes?: number;
  /** Called for every skipped line. */
  onSkip?: (reason: string) => void;
}

/**
 * Push-style base of the line-oriented parsers: splits the byte stream into
 * lines (bounded memory, see AuditLineSplitter), hands each to `line`, and
 * keeps the stats. A parser never throws on input: a bug in `line` is counted
 * as `internal-error` instead of stopping a scan.
 */
export abstract class LineEventReader {
  readonly stats: LineReadStats = { events: 0, bytes: 0, skipped: 0, skippedReasons: {} };
  private readonly splitter: AuditLineSplitter;
  private readonly onSkipHook?: (reason: string) => void;
  private lastByte = 10;
  /** True while `line` handles the input's last line and that line had no newline. */
  protected unterminated = false;

  constructor(
    private readonly onEvent: (event: ObservedEvent) => void,
    options: LineEventReaderOptions = {},
  ) {
    this.onSkipHook = options.onSkip;
    this.splitter = new AuditLineSplitter(
      (buf, start, end) => this.safeLine(buf, start, end),
      () => this.skip('line-too-long'),
      options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    );
  }

  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    this.splitter.push(chunk);
  }

  /**
   * End of input: a last line without a newline is still handed to `line`,
   * with `unterminated` set: formats that cannot tell a cut line from a whole
   * one (text rows) skip it as `truncated`; JSON finds out by parsing.
   */
  end(): LineReadStats {
    this.unterminated = this.lastByte !== 10;
    this.splitter.end();
    this.unterminated = false;
    this.lastByte = 10;
    return this.stats;
  }

  /** `line` gets the bytes without the newline (and without a trailing CR). */
  protected abstract line(buf: Buffer, start: number, end: number): void;

  protected emit(event: ObservedEvent): void {
    const s = this.stats;
    s.events++;
    const t = event.timestampMs;
    if (Number.isFinite(t)) {
      if (s.firstTimestampMs === undefined || t < s.firstTimestampMs) s.firstTimestampMs = t;
      if (s.lastTimestampMs === undefined || t > s.lastTimestampMs) s.lastTimestampMs = t;
    }
    this.onEvent(event);
  }

  /**
   * The line parsed as JSON, for the formats written one JSON value a line
   * (eslogger, fatrace -j). Raw control bytes (never in JSON text), bytes that
   * are not UTF-8 and text that is no JSON are skipped as `control-bytes`,
   * `invalid-utf8` and `bad-json`, and give undefined. Wrapped in `{ value }`
   * because `null` is a JSON value too.
   */
  protected parseJsonLine(buf: Buffer, start: number, end: number): { value: unknown } | undefined {
    if (hasControlBytes(buf, start, end)) {
      this.skip('control-bytes');
      return undefined;
    }
    const text = decodeStrictUtf8(buf, start, end);
    if (text === undefined) {
      this.skip('invalid-utf8');
      return undefined;
    }
    try {
      return { value: JSON.parse(text) };
    } catch {
      this.skip('bad-json');
      return undefined;
    }
  }

  protected skip(reason: string): void {
    this.stats.skipped++;
    this.stats.skippedReasons[reason] = (this.stats.skippedReasons[reason] ?? 0) + 1;
    this.onSkipHook?.(reason);
  }

  private safeLine(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    if (end === start) return; // blank lines are neither events nor skips
    try {
      this.line(buf, start, end);
    } catch {
      this.skip('internal-error');
    }
  }
}

/** True when bytes [start, end) contain NUL or another C0 control byte other than TAB. */
export function hasControlBytes(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x20 && c !== 9) return true;
  }
  return false;
}

/** The line as UTF-8, or undefined when it is not valid UTF-8. */
export function decodeStrictUtf8(buf: Buffer, start: number, end: number): string | undefined {
  const sub = buf.subarray(start, end);
  return isUtf8(sub) ? sub.toString('utf8') : undefined;
}

/**
 * Decodes bytes as UTF-8, writing every byte that is not part of a valid
 * UTF-8 sequence (and every C0 control byte but TAB) as `\xNN`. Linux paths
 * are bytes; this keeps such a path distinct and readable instead of folding
 * it into U+FFFD.
 */
export function decodeEscapingInvalid(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const sub = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  if (isUtf8(sub) && !hasControlBytes(sub, 0, sub.length)) return sub.toString('utf8');
  let out = '';
  let i = 0;
  while (i < sub.length) {
    const c = sub[i];
    if (c >= 0x20 && c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    if (c === 9) {
      out += '\t';
      i++;
      continue;
    }
    const n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? (c < 0xf0 ? 3 : 0) : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n > 0 && i + n <= sub.length && isUtf8(sub.subarray(i, i + n))) {
      out += sub.toString('utf8', i, i + n);
      i += n;
      continue;
    }
    out += '\\x' + c.toString(16).padStart(2, '0');
    i++;
  }
  return out;
}
