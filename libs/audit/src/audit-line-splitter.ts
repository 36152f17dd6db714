export type LineHandler = (buf: Buffer, start: number, end: number) => void;

/** 1 MiB: far above any real audit record (the kernel caps a record near 8 KiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Splits a stream of Buffer chunks into lines without copying lines that lie
 * inside one chunk. A line longer than maxLineBytes is reported once through
 * onTooLong and its bytes are dropped as they arrive, so memory stays bounded
 * by maxLineBytes whatever the input.
 */
export class AuditLineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: drop bytes up to the next newline. */
  private discarding = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onTooLong: () => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

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
        const line = Buffer.concat(this.pending, this.pendingBytes + nl);
        this.onLine(line, 0, line.length);
      }
      this.pending = [];
      this.pendingBytes = 0;
      pos = nl + 1;
    }
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      if (nl - pos > this.maxLineBytes) this.onTooLong();
      else this.onLine(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < len) this.addPending(chunk, pos);
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
      this.onLine(line, 0, line.length);
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
