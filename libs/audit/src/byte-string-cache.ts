/**
 * Interns the strings decoded from short byte ranges (arch, uid, exe, PATH
 * names, keys...): a value seen before is returned without allocating, which
 * keeps the hot parsing path nearly allocation-free. Direct-mapped by an
 * FNV-1a hash of the bytes; a collision just replaces the slot.
 */
export class ByteStringCache<V> {
  private readonly keys: Array<Buffer | undefined>;
  private readonly values: V[];
  private readonly mask: number;

  constructor(
    slots: number,
    private readonly maxBytes = 256,
  ) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, slots)));
    this.mask = n - 1;
    this.keys = new Array<Buffer | undefined>(n).fill(undefined);
    this.values = new Array<V>(n);
  }

  /** The value for bytes buf[start..end), computing it with `make` (from the same range) on a miss. */
  get(buf: Buffer, start: number, end: number, make: (buf: Buffer, start: number, end: number) => V): V {
    const len = end - start;
    if (len > this.maxBytes) return make(buf, start, end);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const k = this.keys[slot];
    if (k !== undefined && k.length === len) {
      let i = 0;
      while (i < len && k[i] === buf[start + i]) i++;
      if (i === len) return this.values[slot];
    }
    const v = make(buf, start, end);
    this.keys[slot] = Buffer.from(buf.subarray(start, end));
    this.values[slot] = v;
    return v;
  }
}
