/**
 * Per-agent admission on one hub replica: how many UploadBatches streams an
 * agent holds open, and which agents used up a daily quota today (so their
 * further batches are refused without a database round trip).
 *
 * The agent uploads on one stream at a time; a second one is tolerated for a
 * reconnect that overlaps the old stream's close. An agent opening more is
 * flooding (every stream holds a batch transaction and a pool connection).
 */
export class AgentStreamGate {
  private readonly open = new Map<string, number>();
  private readonly exhausted = new Map<string, { day: string; error: Error }>();

  constructor(
    private readonly maxStreams: number,
    private readonly maxTracked = 100_000,
  ) {}

  /** Counts a new stream of the agent; false (nothing counted) when it already holds maxStreams. */
  tryOpen(agentId: string): boolean {
    const n = this.open.get(agentId) ?? 0;
    if (n >= this.maxStreams) return false;
    this.open.set(agentId, n + 1);
    return true;
  }

  close(agentId: string): void {
    const n = (this.open.get(agentId) ?? 0) - 1;
    if (n > 0) this.open.set(agentId, n);
    else this.open.delete(agentId);
  }

  streamsOf(agentId: string): number {
    return this.open.get(agentId) ?? 0;
  }

  /** Remembers until the end of `day` that the host's batches are over quota. */
  markExhausted(hostId: string, day: string, error: Error): void {
    if (this.exhausted.size >= this.maxTracked) this.exhausted.clear();
    this.exhausted.set(hostId, { day, error });
  }

  /** The quota error the host got earlier today, if any. */
  exhaustedError(hostId: string, day: string): Error | undefined {
    const e = this.exhausted.get(hostId);
    if (!e) return undefined;
    if (e.day === day) return e.error;
    this.exhausted.delete(hostId);
    return undefined;
  }
}
