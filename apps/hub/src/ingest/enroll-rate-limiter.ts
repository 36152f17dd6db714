export type EnrollThrottle = 'address' | 'global' | undefined;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Enroll calls are rate-limited per peer address and for the whole hub replica (token buckets
 * holding one minute's worth, refilled continuously), so a leaked secret cannot mint hosts in bulk
 * and a wrong secret cannot be guessed fast. Every call counts, accepted or refused. A refused call
 * takes no token, and the global bucket is only charged when the address bucket let the call
 * through: one flooding address locks out itself, not every other one.
 */
export class EnrollRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly globalBucket: Bucket;

  constructor(
    private readonly perAddressPerMinute: number,
    private readonly globalPerMinute: number,
    private readonly maxTracked = 100_000,
  ) {
    this.globalBucket = { tokens: globalPerMinute, updatedMs: Date.now() };
  }

  /** Which limit refuses this call, or undefined when it may proceed (and then a token of each is taken). */
  take(address: string, nowMs = Date.now()): EnrollThrottle {
    let own = this.buckets.get(address);
    if (!own) {
      if (this.buckets.size >= this.maxTracked) this.buckets.delete(this.buckets.keys().next().value!);
      own = { tokens: this.perAddressPerMinute, updatedMs: nowMs };
      this.buckets.set(address, own);
    }
    refill(own, this.perAddressPerMinute, nowMs);
    if (own.tokens < 1) return 'address';
    refill(this.globalBucket, this.globalPerMinute, nowMs);
    if (this.globalBucket.tokens < 1) return 'global';
    own.tokens -= 1;
    this.globalBucket.tokens -= 1;
    return undefined;
  }
}

function refill(b: Bucket, perMinute: number, nowMs: number): void {
  b.tokens = Math.min(perMinute, b.tokens + (Math.max(0, nowMs - b.updatedMs) / 60_000) * perMinute);
  b.updatedMs = nowMs;
}
