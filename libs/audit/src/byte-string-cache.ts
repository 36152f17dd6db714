/**
 * Interns the strings decoded from short byte ranges (arch, uid, exe, PATH
 * names, keys...): a value seen before is returned without allocating, which
 * keeps the hot parsing path nearly allocation-free. Direct-mapped by a hash
 * of the length and the first and last 8 bytes; a collision just replaces
 * the slot. Keys are copied into one preallocated arena (no allocation on a
 * miss either) and always compared in full, so a hit is exact.
 */
export class ByteStringCache<V> {
  private readonly arena: Uint8Array;
  /** Key length per slot, -1 when empty. */
  private readonly lengths: Int32Array;
  private readonly values: V[];
  private readonly mask: number;

  constructor(
    slots: number,
    private readonly maxBytes = 256,
  ) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, slots)));
    this.mask = n - 1;
    this.arena = new Uint8Array(n * maxBytes);
    this.lengths = new Int32Array(n).fill(-1);
    this.values = new Array<V>(n);
  }

  /** The value for bytes buf[start..end), computing it with `make` (from the same range) on a miss. */
  get(buf: Buffer, start: number, end: number, make: (buf: Buffer, start: number, end: number) => V): V {
    const len = end - start;
    if (len > this.maxBytes || len < 0) return make(buf, start, end);
    let h = Math.imul(0x811c9dc5 ^ len, 0x01000193);
    if (len <= 16) {
      for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    } else {
      for (let i = start; i < start + 8; i++) h = Math.imul(h ^ buf[i], 0x01000193);
      for (let i = end - 8; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    }
    const slot = (h ^ (h >>> 15)) & this.mask;
    const arena = this.arena;
    const at = slot * this.maxBytes;
    if (this.lengths[slot] === len) {
      let i = 0;
      while (i < len && arena[at + i] === buf[start + i]) i++;
      if (i === len) return this.values[slot];
    }
    const v = make(buf, start, end);
    for (let i = 0; i < len; i++) arena[at + i] = buf[start + i];
    this.lengths[slot] = len;
    this.values[slot] = v;
    return v;
  }
}
