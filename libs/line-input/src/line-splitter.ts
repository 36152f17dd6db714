/** 1 MiB: far above any real line of the line-oriented tools (an eslogger exec with a large environment is tens of KiB; a fatrace path at most 4 KiB plus its parents). */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/**
 * Splits a byte stream into lines (LF, with an optional CR stripped). A line
 * longer than `maxLineBytes` is reported once to `onTooLong` and dropped
 * without being buffered whole, so a 10 MB line costs no 10 MB.
 *
 * The caller may reuse its chunk buffer as soon as `push` returns (a file
 * reader reading into one buffer does): the unterminated tail of a chunk is
 * copied, never kept as a view, else the next read overwrites the start of
 * the line that crosses the read boundary.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private dropping = false;

  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly onTooLong: () => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        this.keep(chunk.subarray(start), true);
        return;
      }
      this.keep(chunk.subarray(start, nl));
      this.finishLine();
      start = nl + 1;
    }
  }

  end(): void {
    if (this.partBytes > 0 || this.dropping) this.finishLine();
  }

  /** `outlivesChunk`: the bytes are held past this push (an unterminated tail), so they are copied. */
  private keep(b: Buffer, outlivesChunk = false): void {
    if (b.length === 0 || this.dropping) return;
    if (this.partBytes + b.length > this.maxLineBytes) {
      this.dropping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(outlivesChunk ? Buffer.from(b) : b);
    this.partBytes += b.length;
  }

  private finishLine(): void {
    if (this.dropping) {
      this.dropping = false;
      this.onTooLong();
      return;
    }
    let line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    this.onLine(line);
  }
}
