import { BoundedBuckets, TokenBucket } from './bounded-buckets';

export type EnrollThrottle = 'address' | 'global' | undefined;

/**
 * Enroll calls are rate-limited per peer address and for the whole hub replica (token buckets
 * holding one minute's worth, refilled continuously), so a leaked secret cannot mint hosts in bulk
 * and a wrong secret cannot be guessed fast. Every call counts, accepted or refused. A refused call
 * takes no token, and the global bucket is only charged when the address bucket let the call
 * through: one flooding address locks out itself, not every other one.
 */
export class EnrollRateLimiter {
  private readonly buckets: BoundedBuckets;
  private readonly globalBucket: TokenBucket;

  constructor(
    private readonly perAddressPerMinute: number,
    private readonly globalPerMinute: number,
    maxTracked = 100_000,
  ) {
    this.buckets = new BoundedBuckets(maxTracked);
    this.globalBucket = { tokens: globalPerMinute, updatedMs: Date.now() };
  }

  /** Which limit refuses this call, or undefined when it may proceed (and then a token of each is taken). */
  take(address: string, nowMs = Date.now()): EnrollThrottle {
    const own = this.buckets.of(address, this.perAddressPerMinute, nowMs);
    refill(own, this.perAddressPerMinute, nowMs);
    if (own.tokens < 1) return 'address';
    refill(this.globalBucket, this.globalPerMinute, nowMs);
    if (this.globalBucket.tokens < 1) return 'global';
    own.tokens -= 1;
    this.globalBucket.tokens -= 1;
    return undefined;
  }
}

function refill(b: TokenBucket, perMinute: number, nowMs: number): void {
  b.tokens = Math.min(perMinute, b.tokens + (Math.max(0, nowMs - b.updatedMs) / 60_000) * perMinute);
  b.updatedMs = nowMs;
}
