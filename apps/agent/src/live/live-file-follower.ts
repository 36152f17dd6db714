import * as path from 'node:path';
import type { WindowCounts } from '@fleettune/counting';
import type { InputTally, LiveCounter } from './live-counter';
import { LiveCheckpoint, LiveCheckpointStore } from './live-checkpoint';
import { FilePosition, RotatingFileReader } from './rotating-file-reader';
import { CheckpointedSourceOptions, deliverOutbox } from './window-outbox';

export interface LiveFileFollowerOptions extends CheckpointedSourceOptions {
  /** The followed log, e.g. /var/log/audit/audit.log. */
  input: string;
  /** Lateness allowed after a window's end before it is emitted (event time and wall clock). */
  graceMs?: number;
  /** No new bytes for this long = quiet: windows may complete by the wall clock. */
  quietMs?: number;
  /** Where to start when there is no checkpoint yet (e.g. an older agent's offset). */
  initialPosition?: FilePosition;
  /** Test hooks: throw from them to simulate a crash at that point. */
  faults?: { afterCheckpoint?: () => void; afterAppend?: (index: number) => void };
}

export const DEFAULT_GRACE_MS = 5_000;
export const DEFAULT_QUIET_MS = 3_000;

/**
 * Follows a log across rotation and appends each complete window to the sink
 * exactly once, even across crashes and restarts (see LiveCheckpoint). What
 * the bytes mean is the counter's business (audit records, fatrace lines,
 * ...). Only `step()`/`finish()` do I/O; a caller drives them.
 */
export class LiveFileFollower {
  private readonly files: RotatingFileReader;
  private readonly store: LiveCheckpointStore;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private readonly quietMs: number;
  private lastDataAtMs: number;
  private sinceCommit = 0;
  /** Windows appended to the sink by this instance. */
  windowsSent = 0;

  constructor(
    private readonly o: LiveFileFollowerOptions,
    protected readonly counter: LiveCounter,
  ) {
    this.log = o.log ?? (() => undefined);
    this.now = o.now ?? Date.now;
    this.quietMs = o.quietMs ?? DEFAULT_QUIET_MS;
    this.lastDataAtMs = this.now();
    this.store = new LiveCheckpointStore(o.stateDir, `${o.source}:${path.resolve(o.input)}`);
    this.files = new RotatingFileReader(path.resolve(o.input), {
      onData: (b) => this.counter.push(b),
      onFileEnd: () => this.counter.endOfFile(),
      log: this.log,
    });
    const cp = this.store.load();
    if (cp) {
      this.counter.restore(cp.counter);
      this.deliverOutbox(cp.outbox, true);
    }
    this.files.start(cp?.position ?? o.initialPosition, cp?.savedAtMs);
    if (cp && this.counter.replaysPrefix) {
      // Rebuild the parser's cross-line state; everything up to here is counted already.
      this.counter.muted = true;
      try {
        this.files.replayPrefix((b) => this.counter.push(b));
      } finally {
        this.counter.muted = false;
      }
    }
    // A first checkpoint at once: should the log rotate before the first window completes, a
    // restart still knows which file (inode) it was reading.
    if (!cp) this.commit([]);
  }

  /** What this process counted from the input so far (undefined for counters that do not tally). */
  get tally(): InputTally | undefined {
    return this.counter.tally;
  }

  get checkpointFile(): string {
    return this.store.file;
  }

  /**
   * Reads what the log has now (up to maxBytes), emits the windows that are
   * complete, and commits. Returns bytes read and windows appended.
   */
  step(maxBytes = 64 << 20): { bytes: number; windows: number } {
    const finishedBefore = this.files.filesFinished;
    const bytes = this.files.read(maxBytes);
    const now = this.now();
    if (bytes > 0) this.lastDataAtMs = now;
    this.sinceCommit += bytes;
    const quiet = bytes === 0 && now - this.lastDataAtMs >= this.quietMs;
    const windows = this.counter.takeComplete(quiet ? now : undefined);
    // Nothing to commit unless windows completed: re-reading uncommitted bytes after a restart is harmless.
    // Commit anyway after much input so a restart does not re-read too much.
    // And after a rotation, so that a checkpoint never points into a file that may soon be deleted.
    if (windows.length > 0 || this.sinceCommit >= 256 << 20 || this.files.filesFinished !== finishedBefore) this.commit(windows);
    return { bytes, windows: windows.length };
  }

  /** Reads to the current end and ends the input there (`--once`): every window is emitted. */
  finish(): number {
    while (this.files.read(64 << 20) > 0) {
      const w = this.counter.takeComplete();
      if (w.length) this.commit(w);
    }
    const windows = this.counter.end(true);
    this.commit(windows);
    return windows.length;
  }

  close(): void {
    this.files.close();
  }

  private commit(windows: WindowCounts[]): void {
    const position = this.files.position();
    if (!position) return; // nothing opened yet, so nothing read
    const cp: LiveCheckpoint = {
      v: 1,
      source: this.o.source,
      input: path.resolve(this.o.input),
      savedAtMs: Date.now(),
      position,
      counter: this.counter.snapshot(),
      outbox: { afterSequence: this.o.sink.lastSequence(), windows },
    };
    this.store.save(cp);
    this.sinceCommit = 0;
    this.o.faults?.afterCheckpoint?.();
    this.deliverOutbox(cp.outbox, false);
  }

  /** Appends the outbox windows (as hub-sized batches) the sink does not have yet. */
  private deliverOutbox(outbox: LiveCheckpoint['outbox'], recovering: boolean): void {
    const appended = deliverOutbox(this.o.sink, outbox, (w, i, expected, got) => {
      if (got !== expected) this.log(`window ${w.windowStartMs} spooled as sequence ${got}, expected ${expected}`);
      this.windowsSent++;
      this.o.faults?.afterAppend?.(i);
    });
    if (recovering && appended) this.log(`recovered ${appended} window(s) checkpointed but not spooled before a stop`);
  }
}
