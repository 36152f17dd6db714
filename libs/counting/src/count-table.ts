/**
 * A multiset keyed by a tuple of strings. Keys are joined with NUL, which no
 * path, user or audit key can contain once parsed, so distinct tuples never
 * collide.
 */
export class CountTable<K extends readonly string[]> {
  private readonly counts = new Map<string, number>();

  add(key: K, by = 1): void {
    const k = key.join('\u0000');
    this.counts.set(k, (this.counts.get(k) ?? 0) + by);
  }

  get size(): number {
    return this.counts.size;
  }

  total(): number {
    let sum = 0;
    for (const v of this.counts.values()) sum += v;
    return sum;
  }

  *entries(): IterableIterator<[K, number]> {
    for (const [k, v] of this.counts) yield [k.split('\u0000') as unknown as K, v];
  }

  clear(): void {
    this.counts.clear();
  }
}
