/** A token bucket: tokens left, and when they were last refilled. */
export interface TokenBucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets by key (an agent, a peer address). At most `maxTracked`
 * keys are kept: past that the oldest is dropped, so a flood of new keys
 * cannot grow the hub's memory (a dropped key starts full again).
 */
export class BoundedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly maxTracked: number) {}

  /** The key's bucket; a new key's starts with `full` tokens at `nowMs`. */
  of(key: string, full: number, nowMs: number): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxTracked) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: full, updatedMs: nowMs };
      this.buckets.set(key, b);
    }
    return b;
  }
}
