import type { DegradeController, DegradeSource } from './degrade-controller';

/** What the run command runs per source (structurally its LiveSourceRunner). */
export interface RunnableSource {
  readonly label: string;
  run(): Promise<void>;
  stop(): void;
}

/**
 * A source the watchdog can pause and resume. A runner cannot be restarted
 * once stopped (its follower is closed), so pausing stops it (its checkpoint
 * keeps its place) and resuming makes a new one from the same spec, which
 * goes on from that checkpoint: a followed file loses nothing, a spawned
 * tool misses what happened while it was paused.
 */
export class PausableSource implements RunnableSource {
  private current: RunnableSource;
  private paused = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    first: RunnableSource,
    private readonly make: () => RunnableSource,
  ) {
    this.current = first;
  }

  get label(): string {
    return this.current.label;
  }

  async run(): Promise<void> {
    for (;;) {
      await this.current.run();
      // Ended by itself (input ended) or by stop(): done. Ended by pause(): wait, then a new runner.
      if (this.stopped || !this.paused) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
      if (this.stopped) return;
      this.current = this.make();
    }
  }

  pause(): void {
    if (this.paused || this.stopped) return;
    this.paused = true;
    this.current.stop();
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    if (!this.paused) this.current.stop();
    this.wake?.();
  }
}

/**
 * Wraps the run command's runners so the watchdog's pause/resume steps can
 * reach them (`startWatchdog({ pausable })`); run and stop the wrappers in
 * place of the runners. `make(i)` makes a fresh runner for runners[i].
 */
export function pausableSources(runners: readonly RunnableSource[], make: (index: number) => RunnableSource): PausableSource[] {
  return runners.map((r, i) => new PausableSource(r, () => make(i)));
}

/**
 * Priority is the order given (`--source` first = most important), so the
 * last one listed is paused first.
 */
export function sourcePriorities(sources: readonly PausableSource[]): DegradeSource[] {
  return sources.map((s, i) => ({ name: s.label, priority: sources.length - i }));
}

/** Applies the controller's pause/resume steps to the sources (by label). */
export function followDegradeSteps(controller: DegradeController, sources: readonly PausableSource[]): void {
  controller.on('change', (c) => {
    if (c.kind === 'window') return;
    const s = sources.find((x) => x.label === c.source);
    if (c.kind === 'pause') s?.pause();
    else s?.resume();
  });
}
