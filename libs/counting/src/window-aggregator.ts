import { CountTable } from './count-table';
import { WindowCounts } from './counts';
import { ObservedEvent } from './observed-event';
import { mergeProgramFormats, ProgramFormat } from './program-format';

class WindowBucket {
  events = 0;
  skipped = 0;
  readonly execs = new CountTable<[string, string, string]>();
  readonly files = new CountTable<[string, string, string]>();
  readonly keys = new CountTable<[string]>();
  readonly syscalls = new CountTable<[string]>();
  readonly initiators = new CountTable<[string]>();
  /** Executed program -> what the source said it is (an attribute of the program, not a count key). */
  readonly formats = new Map<string, ProgramFormat>();

  constructor(readonly startMs: number) {}
}

export interface WindowAggregatorOptions {
  source: string;
  /** Window length; the tuning guides judge noise over 15-20 minute windows. */
  windowMs: number;
}

/**
 * Counts observed events per fixed, epoch-aligned time window. Windows are
 * emitted in start order by `flushBefore` (live sources) or `flushAll` (end
 * of input), so a window is never sent half-counted and then again.
 */
export class WindowAggregator {
  private readonly buckets = new Map<number, WindowBucket>();
  private lastTimestampMs = 0;

  constructor(private readonly options: WindowAggregatorOptions) {
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  windowStartOf(timestampMs: number): number {
    return Math.floor(timestampMs / this.options.windowMs) * this.options.windowMs;
  }

  add(event: ObservedEvent): void {
    const bucket = this.bucketFor(event.timestampMs);
    const w = event.weight ?? 1;
    bucket.events += w;
    if (event.exec) {
      bucket.execs.add([event.exec.path, event.exec.parentPath, event.exec.user], w);
      const f = event.exec.format;
      if (f) bucket.formats.set(event.exec.path, mergeProgramFormats(bucket.formats.get(event.exec.path), f)!);
    }
    for (const f of event.files) bucket.files.add([f.path, f.op, f.processPath], w);
    for (const k of event.keys) bucket.keys.add([k], w);
    if (event.syscall) bucket.syscalls.add([event.syscall], w);
    if (event.initiator !== undefined) bucket.initiators.add([event.initiator], w);
  }

  /**
   * Records input that could not be parsed. It lands in the window of the
   * last good timestamp seen, so skips are reported with the data around them.
   */
  addSkipped(n = 1, timestampMs = this.lastTimestampMs): void {
    this.bucketFor(timestampMs).skipped += n;
  }

  /** Emits (and forgets) every window that ends at or before `timestampMs`. */
  flushBefore(timestampMs: number): WindowCounts[] {
    const out: WindowCounts[] = [];
    for (const start of [...this.buckets.keys()].sort((a, b) => a - b)) {
      if (start + this.options.windowMs > timestampMs) break;
      out.push(this.emit(start));
    }
    return out;
  }

  flushAll(): WindowCounts[] {
    return [...this.buckets.keys()].sort((a, b) => a - b).map((s) => this.emit(s));
  }

  get pendingWindows(): number {
    return this.buckets.size;
  }

  private bucketFor(timestampMs: number): WindowBucket {
    const ts = Number.isFinite(timestampMs) ? timestampMs : this.lastTimestampMs;
    this.lastTimestampMs = Math.max(this.lastTimestampMs, ts);
    const start = this.windowStartOf(ts);
    let bucket = this.buckets.get(start);
    if (!bucket) {
      bucket = new WindowBucket(start);
      this.buckets.set(start, bucket);
    }
    return bucket;
  }

  private emit(start: number): WindowCounts {
    const b = this.buckets.get(start)!;
    this.buckets.delete(start);
    const initiators = [...b.initiators.entries()].map(([[name], count]) => ({ name, count }));
    return {
      source: this.options.source,
      windowStartMs: start,
      windowEndMs: start + this.options.windowMs,
      events: b.events,
      skipped: b.skipped,
      execs: [...b.execs.entries()].map(([[path, parentPath, user], count]) => {
        const format = b.formats.get(path);
        return format ? { path, parentPath, user, count, format } : { path, parentPath, user, count };
      }),
      files: [...b.files.entries()].map(([[path, op, processPath], count]) => ({ path, op, processPath, count })),
      keys: [...b.keys.entries()].map(([[name], count]) => ({ name, count })),
      syscalls: [...b.syscalls.entries()].map(([[name], count]) => ({ name, count })),
      ...(initiators.length > 0 ? { initiators } : {}),
    };
  }
}
