import type { ObservedEvent, WindowCounts } from '@fleettune/counting';
import type { InputTally, LiveCounter, LiveCounterOptions } from './live-counter';
import { ResumableWindowAggregator, WindowAggregatorSnapshot } from './resumable-window-aggregator';

/** A push parser of one line-oriented source (fatrace, eslogger, ampdaemon.log, dtrace/bcc text). */
export interface LiveLineParser {
  push(chunk: Buffer): void;
  /** End of one input: a last line without its newline is handled; the parser may be pushed to again. */
  end(): unknown;
}

export type LiveLineParserFactory = (onEvent: (e: ObservedEvent) => void, onSkip: (reason: string) => void) => LiveLineParser;

export interface LiveLineCounterSnapshot {
  windows: WindowAggregatorSnapshot;
  latestEventMs: number;
}

export interface LiveLineCounterOptions extends LiveCounterOptions {
  makeParser: LiveLineParserFactory;
}

/**
 * Lines of a non-audit source -> per-window counts, emitted once complete:
 * by event time (the newest event is `graceMs` past the window's end), or by
 * wall clock when the input has gone quiet. The snapshot holds the open
 * windows only; parser state across lines (iosnoop's column header, the
 * ampdaemon process tree) is rebuilt after a restart by re-reading the
 * file up to the checkpoint while `muted` (see LiveCounter.replaysPrefix).
 */
export class LiveLineCounter implements LiveCounter {
  readonly replaysPrefix = true;
  muted = false;
  private readonly windows: ResumableWindowAggregator;
  private readonly parser: LiveLineParser;
  private latestEventMs = 0;
  readonly tally: InputTally = { events: 0, skipped: 0, skippedReasons: {} };

  constructor(private readonly o: LiveLineCounterOptions) {
    this.windows = new ResumableWindowAggregator(o.source, o.windowMs);
    this.parser = o.makeParser(
      (e) => {
        if (this.muted) return;
        this.tally.events += e.weight ?? 1;
        this.windows.add(e);
        if (Number.isFinite(e.timestampMs) && e.timestampMs > this.latestEventMs) this.latestEventMs = e.timestampMs;
      },
      (reason) => {
        if (this.muted) return;
        this.windows.addSkipped();
        this.tally.skipped++;
        this.tally.skippedReasons[reason] = (this.tally.skippedReasons[reason] ?? 0) + 1;
      },
    );
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  endOfFile(): void {
    this.parser.end();
  }

  takeComplete(quietNowMs?: number): WindowCounts[] {
    let horizon = this.latestEventMs - this.o.graceMs;
    if (quietNowMs !== undefined) horizon = Math.max(horizon, quietNowMs - this.o.graceMs);
    return this.windows.flushThrough(horizon);
  }

  end(includePartialLine = true): WindowCounts[] {
    if (includePartialLine) this.parser.end();
    return this.windows.flushAll();
  }

  get pendingWindows(): number {
    return this.windows.pendingWindows;
  }

  snapshot(): LiveLineCounterSnapshot {
    return { windows: this.windows.snapshot(), latestEventMs: this.latestEventMs };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as LiveLineCounterSnapshot;
    this.windows.restore(s.windows);
    this.latestEventMs = s.latestEventMs;
  }
}
