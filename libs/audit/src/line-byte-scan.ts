/**
 * What the splitter tells the line parser about a line's bytes, so that the
 * parser need not look at every byte itself (the costliest part of parsing):
 *  - LINE_UNSCANNED: nothing known, the parser classifies the bytes itself;
 *  - LINE_PLAIN: every byte is printable ASCII (0x20-0x7e), except one
 *    optional CR at the very end;
 *  - n >= 0: the same, plus 0x1D bytes, the first of them at index n.
 */
export const LINE_UNSCANNED = -2;
export const LINE_PLAIN = -1;

const INTERP_SEPARATOR = 0x1d;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** 1 for the bytes the scan reports: below 0x20 or above 0x7e. */
const SPECIAL = new Uint8Array(256);
for (let c = 0; c < 256; c++) SPECIAL[c] = c < 0x20 || c > 0x7e ? 1 : 0;

/**
 * Writes to `out` the index of every byte of buf[from..to) below 0x20 or
 * above 0x7e, in order, and returns how many there are. `out` must hold
 * to - from + 1 entries. Reads four bytes at a time through `words`, a view of
 * buf's ArrayBuffer starting at byte `wordsAt` (4-aligned); audit text has
 * about one such byte (the newline, an ENRICHED 0x1D) per hundred.
 */
export function findSpecialBytes(buf: Buffer, words: Int32Array, wordsAt: number, from: number, to: number, out: Int32Array): number {
  const base = buf.byteOffset;
  const head = Math.min(to - from, (4 - ((base + from) & 3)) & 3);
  const wStart = (base + from + head - wordsAt) >> 2;
  const wEnd = wStart + ((to - from - head) >> 2);
  const tail = wEnd * 4 + wordsAt - base;
  // Branch-free appends (SPECIAL is 0 or 1): a store that runs only on rare
  // input would, when it finally runs, throw the optimised code away each time.
  let n = findSpecialBytesOneByOne(buf, from, from + head, out, 0);
  for (let w = wStart; w < wEnd; w++) {
    const x = words[w];
    // A byte b sets its high bit here iff b < 0x20 (x - 0x20 borrows), b > 0x7e
    // (x + 1 carries into bit 7, or bit 7 is set already). A borrow or carry
    // only crosses from a byte that is flagged itself, so clean words never flag.
    if (((x - 0x20202020) | 0 | ((x + 0x01010101) | 0) | x) & 0x80808080) {
      const p = w * 4 + wordsAt - base;
      out[n] = p;
      n += SPECIAL[buf[p]];
      out[n] = p + 1;
      n += SPECIAL[buf[p + 1]];
      out[n] = p + 2;
      n += SPECIAL[buf[p + 2]];
      out[n] = p + 3;
      n += SPECIAL[buf[p + 3]];
    }
  }
  return findSpecialBytesOneByOne(buf, Math.max(tail, from + head), to, out, n);
}

/** The unaligned ends (at most 3 bytes each). */
function findSpecialBytesOneByOne(buf: Buffer, from: number, to: number, out: Int32Array, n: number): number {
  for (let i = from; i < to; i++) {
    out[n] = i;
    n += SPECIAL[buf[i]];
  }
  return n;
}

const EMPTY_WORDS = new Int32Array(0);

/** A 4-aligned Int32Array view covering as much of buf as possible, and its byte offset in buf.buffer. */
export function wordView(buf: Buffer): { words: Int32Array; wordsAt: number } {
  const at = (buf.byteOffset + 3) & ~3;
  const count = (buf.byteOffset + buf.length - at) >> 2;
  return { words: count > 0 ? new Int32Array(buf.buffer, at, count) : EMPTY_WORDS, wordsAt: at };
}

/** The scan result for one line buf[start..end) (no newline), byte by byte: for lines split across chunks. */
export function classifyLineBytes(buf: Buffer, start: number, end: number): number {
  let sep = LINE_PLAIN;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (SPECIAL[c] === 0) continue;
    if (c === INTERP_SEPARATOR) {
      if (sep < 0) sep = i;
    } else if (!(c === CR && i === end - 1)) {
      return LINE_UNSCANNED;
    }
  }
  return sep;
}

/** Exposed for the splitter: the byte classes it reacts to. */
export const SCAN_BYTES = { NEWLINE, CR, INTERP_SEPARATOR } as const;
