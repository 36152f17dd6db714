/**
 * The turns of a polled live source (a followed file, `mdatp health`): one
 * turn now and one every `intervalMs` until stopped. `run` resolves only when
 * the owner calls `finished`, after what it does on stop (closing the
 * follower, a last poll), so `run` ending means the source is done.
 */
export class PollLoop {
  private timer?: NodeJS.Timeout;
  private done?: () => void;

  constructor(private readonly intervalMs: number) {}

  /** False once stopped: a turn already queued must then do nothing. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  run(turn: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.timer = setInterval(turn, this.intervalMs);
      turn();
    });
  }

  /** No more turns. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves `run`. */
  finished(): void {
    this.done?.();
  }
}
