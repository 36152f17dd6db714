/**
 * Sums counts per non-negative integer key (host x window cell) in typed
 * arrays with open addressing. A Map with millions of entries spends most of
 * its time in garbage collection; this holds them without any per-entry object.
 */
export class CellCountMap {
  private keys: Float64Array;
  private values: Float64Array;
  private used = 0;

  constructor(initialCapacity = 8, storage?: { keys: Float64Array; values: Float64Array }) {
    if (storage) {
      this.keys = storage.keys;
      this.values = storage.values;
      return;
    }
    const cap = capacityFor(initialCapacity);
    this.keys = new Float64Array(cap).fill(-1);
    this.values = new Float64Array(cap);
  }

  /**
   * One map per expected entry count, all carved out of two shared buffers:
   * one allocation instead of thousands, and no regrowth when the counts are
   * upper bounds. Each map still grows on its own if exceeded.
   */
  static pool(expectedEntries: readonly number[]): CellCountMap[] {
    const caps = expectedEntries.map(capacityFor);
    const total = caps.reduce((a, b) => a + b, 0);
    const keys = new Float64Array(total).fill(-1);
    const values = new Float64Array(total);
    let offset = 0;
    return caps.map((cap) => {
      const m = new CellCountMap(0, { keys: keys.subarray(offset, offset + cap), values: values.subarray(offset, offset + cap) });
      offset += cap;
      return m;
    });
  }

  get size(): number {
    return this.used;
  }

  add(key: number, by: number): void {
    if ((this.used + 1) * 4 > this.keys.length * 3) this.grow();
    const mask = this.keys.length - 1;
    let i = hash(key) & mask;
    for (;;) {
      const k = this.keys[i];
      if (k === key) {
        this.values[i] += by;
        return;
      }
      if (k === -1) {
        this.keys[i] = key;
        this.values[i] = by;
        this.used++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  forEach(fn: (key: number, value: number) => void): void {
    const { keys, values } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) fn(keys[i], values[i]);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.values = new Float64Array(oldKeys.length * 2);
    this.used = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== -1) this.add(oldKeys[i], oldValues[i]);
  }
}

/** A power of two with room for the entries at no more than 3/4 load (linear probing stays short). */
function capacityFor(entries: number): number {
  let cap = 16;
  while (cap * 3 < entries * 4) cap *= 2;
  return cap;
}

/** Mixes the bits so consecutive cells (same host, next window) spread over the table. */
function hash(key: number): number {
  const lo = key | 0;
  const hi = (key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
