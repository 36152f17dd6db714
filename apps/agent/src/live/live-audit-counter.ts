import { AuditLogReader, AuditReaderSnapshot } from '@fleettune/audit';
import type { WindowCounts } from '@fleettune/counting';
import type { LiveCounter, LiveCounterOptions } from './live-counter';
import { ResumableWindowAggregator, WindowAggregatorSnapshot } from './resumable-window-aggregator';

export interface LiveCounterSnapshot {
  reader: AuditReaderSnapshot;
  windows: WindowAggregatorSnapshot;
}

/**
 * Audit bytes -> events -> per-window counts, emitting a window only once it
 * is complete:
 *  - by event time: the newest record is at least `graceMs` past the
 *    window's end, and no event that started inside the window is still open;
 *  - by wall clock, when the caller says the input has gone quiet: open
 *    events older than end_of_event_timeout end, and windows that ended
 *    `graceMs` before now are emitted.
 * Its whole state can be snapshotted between two chunks and restored.
 */
export class LiveAuditCounter implements LiveCounter {
  /** The snapshot holds the reader's whole state: nothing to re-read after a restart. */
  readonly replaysPrefix = false;
  muted = false;
  readonly reader: AuditLogReader;
  private readonly windows: ResumableWindowAggregator;

  constructor(private readonly o: LiveCounterOptions) {
    this.windows = new ResumableWindowAggregator(o.source, o.windowMs);
    this.reader = new AuditLogReader((e) => this.windows.add(e), { onSkip: () => this.windows.addSkipped() });
  }

  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  /** One input file is finished (rotated away); the next continues the stream. */
  endOfFile(): void {
    this.reader.endLine();
  }

  /** Windows complete by event time, or also by wall clock `quietNowMs` when the input is quiet. */
  takeComplete(quietNowMs?: number): WindowCounts[] {
    let horizon = this.reader.latestRecordMs - this.o.graceMs;
    if (quietNowMs !== undefined) {
      this.reader.expireOpenEvents(quietNowMs);
      horizon = Math.max(horizon, quietNowMs - this.o.graceMs);
    }
    const oldestOpen = this.reader.oldestOpenEventMs();
    if (oldestOpen !== undefined) horizon = Math.min(horizon, oldestOpen);
    return this.windows.flushThrough(horizon);
  }

  /** End of input: every line and event completes, every window is emitted. */
  end(includePartialLine = true): WindowCounts[] {
    this.reader.end(includePartialLine);
    return this.windows.flushAll();
  }

  get pendingWindows(): number {
    return this.windows.pendingWindows;
  }

  snapshot(): LiveCounterSnapshot {
    return { reader: this.reader.snapshot(), windows: this.windows.snapshot() };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as LiveCounterSnapshot;
    this.reader.restore(s.reader);
    this.windows.restore(s.windows);
  }
}
