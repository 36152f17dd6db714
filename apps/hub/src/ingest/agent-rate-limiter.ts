import { BoundedBuckets } from './bounded-buckets';

/**
 * A token bucket per agent. Over its rate an agent is not refused (its data
 * must not be lost) but told how long to wait before the next batch, which
 * turns a reconnect storm into a steady drain the hub can take.
 */
export class AgentRateLimiter {
  private readonly buckets: BoundedBuckets;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    maxTracked = 100_000,
  ) {
    this.buckets = new BoundedBuckets(maxTracked);
  }

  /** Takes one token; returns 0 when the agent is within its rate, else the wait in ms. */
  take(agentId: string, nowMs = Date.now()): number {
    const b = this.buckets.of(agentId, this.burst, nowMs);
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.updatedMs) / 1000) * this.ratePerSecond);
    b.updatedMs = nowMs;
    b.tokens -= 1;
    if (b.tokens >= 0) return 0;
    return Math.ceil((-b.tokens / this.ratePerSecond) * 1000);
  }
}
