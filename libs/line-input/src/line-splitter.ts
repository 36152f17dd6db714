/** 1 MiB: far above any real line of the line-oriented tools (an eslogger exec with a large environment is tens of KiB; a fatrace path at most 4 KiB plus its parents). */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/**
 * Splits a byte stream into lines (LF, with an optional CR stripped). A line
 * longer than `maxLineBytes` is reported once to `onTooLong` and dropped
 * without being buffered whole, so a 10 MB line costs no 10 MB.
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
        this.keep(chunk.subarray(start));
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

  private keep(b: Buffer): void {
    if (b.length === 0 || this.dropping) return;
    if (this.partBytes + b.length > this.maxLineBytes) {
      this.dropping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(b);
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
