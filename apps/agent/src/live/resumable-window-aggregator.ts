import { mergeProgramFormats, PROGRAM_FORMATS } from '@fleettune/counting';
import type { ObservedEvent, ProgramFormat, WindowCounts } from '@fleettune/counting';

/** JSON-safe state of one open window. Rows are [key parts..., count]. */
export interface WindowSnapshot {
  startMs: number;
  events: number;
  skipped: number;
  execs: Array<[string, string, string, number]>;
  files: Array<[string, string, string, number]>;
  keys: Array<[string, number]>;
  syscalls: Array<[string, number]>;
  /** Absent in older checkpoints and when the window has none. */
  initiators?: Array<[string, number]>;
  /** Executed program -> what its source said it is (eslogger's exec.script); absent when none said. */
  formats?: Array<[string, ProgramFormat]>;
}

export interface WindowAggregatorSnapshot {
  lastTimestampMs: number;
  /** Skipped lines seen before any event had a time (absent in older checkpoints). */
  pendingSkipped?: number;
  windows: WindowSnapshot[];
}

const SEP = '\u0000';

class Bucket {
  events = 0;
  skipped = 0;
  readonly execs = new Map<string, number>();
  readonly files = new Map<string, number>();
  readonly keys = new Map<string, number>();
  readonly syscalls = new Map<string, number>();
  readonly initiators = new Map<string, number>();
  readonly formats = new Map<string, ProgramFormat>();
  constructor(readonly startMs: number) {}

  noteFormat(path: string, f: ProgramFormat): void {
    this.formats.set(path, mergeProgramFormats(this.formats.get(path), f)!);
  }
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

function rows3(m: Map<string, number>): Array<[string, string, string, number]> {
  return [...m].map(([k, n]) => {
    const [a, b, c] = k.split(SEP);
    return [a, b, c, n];
  });
}

/**
 * The WindowAggregator of @fleettune/counting (same epoch-aligned windows,
 * same WindowCounts), plus what a live reader needs: flushing only the
 * windows that are complete, and a snapshot of the open windows so that a
 * restart continues them instead of losing or re-sending their counts.
 */
export class ResumableWindowAggregator {
  private readonly buckets = new Map<number, Bucket>();
  private lastTimestampMs = 0;
  /** Skipped before any timestamp was seen (a header, garbage first): they join the first window. */
  private pendingSkipped = 0;

  constructor(
    private readonly source: string,
    readonly windowMs: number,
  ) {
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /** Counts `e`, `e.weight` times (one mdatp delta row stands for many files scanned). */
  add(e: ObservedEvent): void {
    const times = e.weight ?? 1;
    const b = this.bucketFor(e.timestampMs);
    b.events += times;
    if (e.exec) {
      bump(b.execs, e.exec.path + SEP + e.exec.parentPath + SEP + e.exec.user, times);
      if (e.exec.format) b.noteFormat(e.exec.path, e.exec.format);
    }
    for (const f of e.files) bump(b.files, f.path + SEP + f.op + SEP + f.processPath, times);
    for (const k of e.keys) bump(b.keys, k, times);
    if (e.syscall) bump(b.syscalls, e.syscall, times);
    if (e.initiator !== undefined) bump(b.initiators, e.initiator, times);
  }

  /**
   * Unparseable input lands in the window of the latest good timestamp; before
   * the first one, in the first window (a window at the epoch would be refused
   * by the hub).
   */
  addSkipped(n = 1): void {
    if (this.lastTimestampMs === 0) this.pendingSkipped += n;
    else this.bucketFor(this.lastTimestampMs).skipped += n;
  }

  get pendingWindows(): number {
    return this.buckets.size;
  }

  /** Emits (and forgets) the windows that end at or before `horizonMs`, oldest first. */
  flushThrough(horizonMs: number): WindowCounts[] {
    const out: WindowCounts[] = [];
    for (const start of [...this.buckets.keys()].sort((a, b) => a - b)) {
      if (start + this.windowMs > horizonMs) break;
      out.push(this.emit(start));
    }
    return out;
  }

  /** Everything, also skipped lines that never got a window (input without any timed event: now's window). */
  flushAll(nowMs = Date.now()): WindowCounts[] {
    if (this.pendingSkipped > 0) {
      const n = this.pendingSkipped;
      this.pendingSkipped = 0;
      this.bucketAt(this.buckets.size ? Math.min(...this.buckets.keys()) : nowMs).skipped += n;
    }
    return this.flushThrough(Number.POSITIVE_INFINITY);
  }

  snapshot(): WindowAggregatorSnapshot {
    return {
      lastTimestampMs: this.lastTimestampMs,
      pendingSkipped: this.pendingSkipped,
      windows: [...this.buckets.values()].map((b) => ({
        startMs: b.startMs,
        events: b.events,
        skipped: b.skipped,
        execs: rows3(b.execs),
        files: rows3(b.files),
        keys: [...b.keys],
        syscalls: [...b.syscalls],
        ...(b.initiators.size > 0 ? { initiators: [...b.initiators] } : {}),
        ...(b.formats.size > 0 ? { formats: [...b.formats] } : {}),
      })),
    };
  }

  restore(s: WindowAggregatorSnapshot): void {
    this.lastTimestampMs = s.lastTimestampMs;
    this.pendingSkipped = s.pendingSkipped ?? 0;
    for (const w of s.windows) {
      const b = new Bucket(w.startMs);
      b.events = w.events;
      b.skipped = w.skipped;
      for (const [p, pp, u, n] of w.execs) bump(b.execs, p + SEP + pp + SEP + u, n);
      for (const [p, op, pr, n] of w.files) bump(b.files, p + SEP + op + SEP + pr, n);
      for (const [k, n] of w.keys) bump(b.keys, k, n);
      for (const [k, n] of w.syscalls) bump(b.syscalls, k, n);
      for (const [k, n] of w.initiators ?? []) bump(b.initiators, k, n);
      for (const [p, f] of w.formats ?? []) if (PROGRAM_FORMATS.includes(f)) b.noteFormat(p, f);
      this.buckets.set(w.startMs, b);
    }
  }

  private bucketFor(timestampMs: number): Bucket {
    const ts = Number.isFinite(timestampMs) ? timestampMs : this.lastTimestampMs;
    this.lastTimestampMs = Math.max(this.lastTimestampMs, ts);
    const b = this.bucketAt(ts);
    if (this.pendingSkipped > 0) {
      b.skipped += this.pendingSkipped;
      this.pendingSkipped = 0;
    }
    return b;
  }

  private bucketAt(ts: number): Bucket {
    const start = Math.floor(ts / this.windowMs) * this.windowMs;
    let b = this.buckets.get(start);
    if (!b) this.buckets.set(start, (b = new Bucket(start)));
    return b;
  }

  private emit(start: number): WindowCounts {
    const b = this.buckets.get(start)!;
    this.buckets.delete(start);
    return {
      source: this.source,
      windowStartMs: start,
      windowEndMs: start + this.windowMs,
      events: b.events,
      skipped: b.skipped,
      execs: rows3(b.execs).map(([path, parentPath, user, count]) => {
        const format = b.formats.get(path);
        return format ? { path, parentPath, user, count, format } : { path, parentPath, user, count };
      }),
      files: rows3(b.files).map(([path, op, processPath, count]) => ({ path, op, processPath, count })),
      keys: [...b.keys].map(([name, count]) => ({ name, count })),
      syscalls: [...b.syscalls].map(([name, count]) => ({ name, count })),
      ...(b.initiators.size > 0 ? { initiators: [...b.initiators].map(([name, count]) => ({ name, count })) } : {}),
    };
  }
}
