/** Default largest JSON document kept in memory (an mdatp statistics dump is ~300 bytes per process). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 << 20;

export interface ScannedDocument {
  bytes: Buffer;
  /** The input ended, or a new document started at column 0, before this one closed. */
  truncated: boolean;
  /** 1-based line where the document starts. */
  line: number;
}

export interface JsonDocumentScannerHandlers {
  onDocument(doc: ScannedDocument): void;
  /** A line of text outside any JSON document (without its newline). */
  onTextLine(line: Buffer, lineNumber: number): void;
  onTooLarge(kind: 'document' | 'line', lineNumber: number): void;
}

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Splits a byte stream of concatenated JSON documents (successive polls
 * appended to one file, pretty-printed or one per line) interleaved with text
 * lines. Tracks only nesting and strings, so it never fails on malformed JSON:
 * a document still open at end of input, or when a `{` appears at column 0
 * inside it (the next pretty-printed document), is passed on as truncated.
 */
export class JsonDocumentScanner {
  private inDoc = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  private atLineStart = true;
  private lineBlank = true;
  private lineNumber = 1;
  private docLine = 1;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private dropping = false;

  constructor(
    private readonly h: JsonDocumentScannerHandlers,
    private readonly maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES,
    private readonly maxLineBytes = 1 << 20,
  ) {}

  push(chunk: Buffer): void {
    let segStart = 0; // start of the not-yet-kept part of `chunk` (doc bytes or text bytes)
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (!this.inDoc) {
        if (b === LF) {
          this.keep(chunk.subarray(segStart, i));
          this.endTextLine();
          segStart = i + 1;
          this.lineNumber++;
          continue;
        }
        if (this.lineBlank && (b === 0x7b || b === 0x5b)) {
          // '{' or '[' first on a line: a document starts here.
          this.parts = [];
          this.partBytes = 0;
          this.dropping = false;
          this.inDoc = true;
          this.depth = 1;
          this.inString = false;
          this.escape = false;
          this.atLineStart = false;
          this.docLine = this.lineNumber;
          segStart = i;
          continue;
        }
        if (b !== 0x20 && b !== 0x09 && b !== 0x0d) this.lineBlank = false;
        continue;
      }
      // inside a document
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        else if (b === LF) {
          // JSON strings hold no raw newline: the string was cut; scan on.
          this.inString = false;
          this.atLineStart = true;
          this.lineNumber++;
        }
        continue;
      }
      if (b === LF) {
        this.atLineStart = true;
        this.lineNumber++;
        continue;
      }
      if (this.atLineStart && b === 0x7b) {
        // A '{' at column 0 inside a document: the next document, so this one was cut short.
        this.keep(chunk.subarray(segStart, i));
        this.endDocument(true);
        this.inDoc = true;
        this.depth = 1;
        this.atLineStart = false;
        this.docLine = this.lineNumber;
        segStart = i;
        continue;
      }
      this.atLineStart = false;
      if (b === QUOTE) this.inString = true;
      else if (b === 0x7b || b === 0x5b) this.depth++;
      else if (b === 0x7d || b === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          this.keep(chunk.subarray(segStart, i + 1));
          this.endDocument(false);
          segStart = i + 1;
          this.lineBlank = true;
        }
      }
    }
    this.keep(chunk.subarray(segStart));
  }

  end(): void {
    if (this.inDoc) this.endDocument(true);
    else if (this.partBytes > 0 || this.dropping || !this.lineBlank) this.endTextLine();
  }

  private keep(b: Buffer): void {
    if (b.length === 0 || this.dropping) return;
    const limit = this.inDoc ? this.maxDocumentBytes : this.maxLineBytes;
    if (this.partBytes + b.length > limit) {
      this.dropping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(b);
    this.partBytes += b.length;
  }

  private take(): Buffer {
    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    return out;
  }

  private endDocument(truncated: boolean): void {
    this.inDoc = false;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    if (this.dropping) {
      this.dropping = false;
      this.parts = [];
      this.partBytes = 0;
      this.h.onTooLarge('document', this.docLine);
      return;
    }
    const bytes = this.take();
    this.h.onDocument({ bytes, truncated, line: this.docLine });
  }

  private endTextLine(): void {
    const wasDropping = this.dropping;
    this.dropping = false;
    let line = this.take();
    this.lineBlank = true;
    if (wasDropping) {
      this.h.onTooLarge('line', this.lineNumber);
      return;
    }
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length === 0 || /^[\s]*$/.test(line.toString('latin1'))) return;
    this.h.onTextLine(line, this.lineNumber);
  }
}
