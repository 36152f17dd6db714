/** What a report parser says about the input it did not use: how much, why, and the first few problems in words. */
export interface SkipSummary<Reason extends string> {
  skipped: number;
  skippedReasons: Partial<Record<Reason, number>>;
  /** First few human-readable problems, for the report. */
  messages: string[];
}

/**
 * Counts what a report parser skips, by reason, and keeps the first few
 * messages. Each source (Cisco, mdatp, …) has its own `Reason` type; the
 * counting is the same for all, so it lives here once.
 */
export class SkipTally<Reason extends string> {
  skipped = 0;
  readonly reasons: Partial<Record<Reason, number>> = {};
  /** First few human-readable problems, for the report. */
  readonly messages: string[] = [];

  constructor(
    private readonly onSkip?: (reason: Reason) => void,
    private readonly maxMessages = 20,
  ) {}

  /** `n` skips of one reason (a damaged document can lose several records at once); `onSkip` hears each. */
  add(reason: Reason, message?: string, n = 1): void {
    this.skipped += n;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + n;
    if (message && this.messages.length < this.maxMessages) this.messages.push(message);
    for (let i = 0; i < n; i++) this.onSkip?.(reason);
  }

  /** A copy of the counts so far, for a parser's stats (later skips do not change it). */
  summary(): SkipSummary<Reason> {
    return { skipped: this.skipped, skippedReasons: { ...this.reasons }, messages: [...this.messages] };
  }
}
