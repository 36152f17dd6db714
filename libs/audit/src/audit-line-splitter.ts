import { classifyLineBytes, findSpecialBytes, LINE_UNSCANNED, wordView } from './line-byte-scan';

/** `scan` is LINE_UNSCANNED unless the splitter scans bytes (see line-byte-scan.ts). */
export type LineHandler = (buf: Buffer, start: number, end: number, scan: number) => void;

/** 1 MiB: far above any real audit record (the kernel caps a record near 8 KiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** Bytes scanned per step in scanning mode (bounds the index buffer). */
const SCAN_WINDOW = 16384;

/**
 * Splits a stream of Buffer chunks into lines without copying lines that lie
 * inside one chunk. A line longer than maxLineBytes is reported once through
 * onTooLong and its bytes are dropped as they arrive, so memory stays bounded
 * by maxLineBytes whatever the input.
 *
 * With `scanBytes`, it also tells the line handler whether the line is plain
 * printable ASCII and where its first 0x1D is (see line-byte-scan.ts),
 * found four bytes at a time for the whole chunk while looking for newlines.
 */
export class AuditLineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: drop bytes up to the next newline. */
  private discarding = false;
  private readonly specials: Int32Array | undefined;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onTooLong: () => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    scanBytes = false,
  ) {
    this.specials = scanBytes ? new Int32Array(SCAN_WINDOW + 1) : undefined;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    if (this.discarding) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      this.discarding = false;
      pos = nl + 1;
    } else if (this.pendingBytes > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.addPending(chunk, 0);
        return;
      }
      if (this.pendingBytes + nl > this.maxLineBytes) {
        this.onTooLong();
      } else {
        this.pending.push(chunk.subarray(0, nl));
        this.emitJoined(Buffer.concat(this.pending, this.pendingBytes + nl));
      }
      this.pending = [];
      this.pendingBytes = 0;
      pos = nl + 1;
    }
    if (this.specials !== undefined) {
      pos = this.scanLines(chunk, pos, this.specials);
    } else {
      while (pos < len) {
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) break;
        if (nl - pos > this.maxLineBytes) this.onTooLong();
        else this.onLine(chunk, pos, nl, LINE_UNSCANNED);
        pos = nl + 1;
      }
    }
    if (pos < len) this.addPending(chunk, pos);
  }

  /** The complete lines of chunk[pos..], with their scan results; returns where the unterminated rest starts. */
  private scanLines(chunk: Buffer, pos: number, specials: Int32Array): number {
    const len = chunk.length;
    const { words, wordsAt } = wordView(chunk);
    let sep = -1;
    let plain = true;
    for (let from = pos; from < len; from += SCAN_WINDOW) {
      const to = Math.min(len, from + SCAN_WINDOW);
      const n = findSpecialBytes(chunk, words, wordsAt, from, to, specials);
      for (let k = 0; k < n; k++) {
        const p = specials[k];
        const c = chunk[p];
        if (c === 10) {
          if (p - pos > this.maxLineBytes) this.onTooLong();
          else this.onLine(chunk, pos, p, plain ? sep : LINE_UNSCANNED);
          pos = p + 1;
          sep = -1;
          plain = true;
        } else if (c === 0x1d) {
          if (sep < 0) sep = p;
        } else if (!(c === 13 && p + 1 < len && chunk[p + 1] === 10)) {
          plain = false; // a CR right before the newline is stripped by the parser
        }
      }
    }
    return pos;
  }

  private emitJoined(line: Buffer): void {
    this.onLine(line, 0, line.length, this.specials !== undefined ? classifyLineBytes(line, 0, line.length) : LINE_UNSCANNED);
  }

  /** Bytes of an unterminated line held so far (0 while discarding an over-long one). */
  get pendingLineBytes(): number {
    return this.pendingBytes;
  }

  /** The held partial line and whether an over-long line is being dropped (for a checkpoint). */
  snapshot(): { partial: Buffer; discarding: boolean } {
    return { partial: Buffer.concat(this.pending, this.pendingBytes), discarding: this.discarding };
  }

  restore(s: { partial: Buffer; discarding: boolean }): void {
    this.pending = s.partial.length ? [Buffer.from(s.partial)] : [];
    this.pendingBytes = s.partial.length;
    this.discarding = s.discarding;
  }

  /** Drops a held partial line without reporting it (its bytes will be read again). */
  discardPartial(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** End of input: a last line without newline is still a line. */
  end(): void {
    if (this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.emitJoined(line);
    }
    this.discarding = false;
  }

  private addPending(chunk: Buffer, from: number): void {
    const n = chunk.length - from;
    if (this.pendingBytes + n > this.maxLineBytes) {
      this.onTooLong();
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      return;
    }
    // Copy the tail so a small partial line does not pin the whole chunk.
    this.pending.push(Buffer.from(chunk.subarray(from)));
    this.pendingBytes += n;
  }
}
