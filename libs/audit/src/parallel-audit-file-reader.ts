import * as fs from 'node:fs';
import * as os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { AuditEventDraftSnapshot } from './audit-event-draft';
import { AuditEventTally, withTallyParent } from './audit-event-tally';
import { evenCuts, planAuditFileRanges } from './audit-file-ranges';
import { AuditLogReader, AuditReadStats } from './audit-log-reader';
import { AuditRangeScanOptions, pushFileBytes, scanAuditRange } from './audit-range-scan';
import { auditRangeWorkerPool } from './audit-range-worker-pool';
import { SkipReason } from './skip-reason';

export interface AuditFileReadOptions extends AuditRangeScanOptions {
  /**
   * Threads reading ranges at once (default: available parallelism, at most
   * 4), this one included unless `readOnThisThread` is false; 0 reads every
   * range in this thread, one after another (still by ranges: for tests).
   */
  workers?: number;
  /**
   * This thread reads the first group of ranges itself (default true) rather
   * than waiting for `workers` pool threads: one thread start-up and JIT
   * warm-up less.
   */
  readOnThisThread?: boolean;
  /** Ranges to cut the file into (default: one per worker). */
  ranges?: number;
  /** Explicit cut offsets (each moved to the next line start); replaces `ranges`. */
  splitAt?: number[];
  /**
   * Bytes at the start of each range the main thread re-reads with the
   * events the previous range left open, before the first checkpoint
   * (default 1 MiB: auditd writes an event's records within a second or two,
   * far less log than that); further checkpoints follow at 2x, 4x, ...
   */
  headBytes?: number;
}

export interface AuditFileReadResult {
  stats: AuditReadStats;
  /** Every event, as a multiset (see AuditEventTally). */
  tally: AuditEventTally;
  /** How the file was read. */
  mode: 'parallel' | 'sequential';
  /** Ranges the file was cut into (parallel mode). */
  ranges: number;
  /** Ranges whose worker result could not be used at any checkpoint (the main thread read them itself): 0 normally. */
  rangesReread: number;
  /** Checkpoints where the main thread's open events differed from the worker's (it read on to the next). */
  checkpointsMissed: number;
  /** Why a parallel read was redone sequentially, when it was. */
  fallbackReason?: string;
}

/** Default worker cap: past a few threads the disk and the merge, not parsing, bound a read. */
export const MAX_AUDIT_READ_WORKERS = 4;
export const DEFAULT_HEAD_BYTES = 1 << 20;
const DEFAULT_MAX_TRACKED_PROCESSES = 65536;

export function defaultAuditReadWorkers(): number {
  return Math.max(1, Math.min(MAX_AUDIT_READ_WORKERS, os.availableParallelism()));
}

function readerOptions(o: AuditRangeScanOptions) {
  return {
    maxLineBytes: o.maxLineBytes,
    maxOpenEvents: o.maxOpenEvents,
    eventTimeoutSeconds: o.eventTimeoutSeconds,
    maxTrackedProcesses: o.maxTrackedProcesses,
  };
}

class StatsSum {
  readonly s: AuditReadStats = { events: 0, records: 0, bytes: 0, skipped: 0, skippedReasons: {} };

  add(o: AuditReadStats): void {
    const s = this.s;
    s.events += o.events;
    s.records += o.records;
    s.bytes += o.bytes;
    s.skipped += o.skipped;
    for (const [k, v] of Object.entries(o.skippedReasons) as Array<[SkipReason, number]>) s.skippedReasons[k] = (s.skippedReasons[k] ?? 0) + v;
    if (o.firstTimestampMs !== undefined && (s.firstTimestampMs === undefined || o.firstTimestampMs < s.firstTimestampMs))
      s.firstTimestampMs = o.firstTimestampMs;
    if (o.lastTimestampMs !== undefined && (s.lastTimestampMs === undefined || o.lastTimestampMs > s.lastTimestampMs)) s.lastTimestampMs = o.lastTimestampMs;
  }
}

/** Reads a whole file in this thread into a tally (the reference the parallel read must equal). */
export function readAuditFileSequential(file: string, options: AuditRangeScanOptions = {}): AuditFileReadResult {
  const tally = new AuditEventTally(options.exactEvents === true);
  const reader = new AuditLogReader((e) => tally.add(e), readerOptions(options));
  const fd = fs.openSync(file, 'r');
  try {
    pushFileBytes(fd, reader, 0, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
  return { stats: { ...reader.end() }, tally, mode: 'sequential', ranges: 1, rangesReread: 0, checkpointsMissed: 0 };
}

/**
 * Reads a seekable audit log file on several threads, with exactly the
 * result of one reader reading it from start to end (`readAuditFileSequential`):
 * same events (as a tally), same stats, same skip counts.
 *
 * The file is cut at line starts into ranges; a worker reads each with a
 * reader that starts empty, taking checkpoints headBytes into the range and
 * then at doubling distances, and keeps what it counts between checkpoints
 * apart. The main thread then walks the ranges in order with one reader that
 * always holds the true state: it restores the events the previous range
 * left open and reads on to the range's first checkpoint, comparing its open
 * events with the worker's there. Equal open events (and a pid -> exe map the
 * worker emptied at the checkpoint) mean the worker's reader behaves from
 * there on exactly as the sequential one, so the worker's counts from that
 * checkpoint on are taken; otherwise (an event still open there) it reads on
 * to the next checkpoint, and reads the whole range itself if none agrees.
 * Execs whose parent a worker could not name are named from the map of the
 * log before the checkpoint. Should the log hold more distinct pids than
 * the map keeps (its evictions depend on the whole history), the file is
 * read again sequentially.
 */
export async function readAuditFileParallel(file: string, options: AuditFileReadOptions = {}): Promise<AuditFileReadResult> {
  const scanOptions: AuditRangeScanOptions = { ...readerOptions(options), exactEvents: options.exactEvents };
  const capacity = options.maxTrackedProcesses ?? DEFAULT_MAX_TRACKED_PROCESSES;
  const workers = options.workers ?? defaultAuditReadWorkers();
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const cuts = options.splitAt ?? evenCuts(size, options.ranges ?? Math.max(1, workers));
    const ranges = planAuditFileRanges(fd, size, cuts, options.headBytes ?? DEFAULT_HEAD_BYTES);
    const onThisThread = options.readOnThisThread ?? true;
    const results =
      workers > 0
        ? await auditRangeWorkerPool.scan(file, ranges, workers, scanOptions, onThisThread ? { fd } : undefined)
        : ranges.map((r) => scanAuditRange(fd, r, scanOptions));

    const tally = new AuditEventTally(options.exactEvents === true);
    const sum = new StatsSum();
    /** pid -> exe of the log read so far (no eviction: checked at the end). */
    let processes = new Map<number, string>();
    let rangesReread = 0;
    let checkpointsMissed = 0;
    const newReader = (open: AuditEventDraftSnapshot[]): AuditLogReader => {
      const r = new AuditLogReader((e) => tally.add(e), { ...readerOptions(options), maxTrackedProcesses: Number.MAX_SAFE_INTEGER });
      r.restore({ v: 1, partialLine: '', discardingLongLine: false, openEvents: open, processes: [...processes] });
      return r;
    };
    /** The reader holding the true state at the current offset, when a worker's result has not replaced it. */
    let truth: AuditLogReader | undefined;
    let open: AuditEventDraftSnapshot[] = [];
    for (let k = 0; k < ranges.length; k++) {
      const range = ranges[k];
      const { segments, endOpen } = results[k];
      truth ??= newReader(open);
      let pos = range.start;
      let from = -1;
      for (let i = 0; i < segments.length && from < 0; i++) {
        pushFileBytes(fd, truth, pos, segments[i].at);
        pos = segments[i].at;
        if (isDeepStrictEqual(truth.openEventSnapshots(), segments[i].open)) from = i;
        else checkpointsMissed++;
      }
      if (from < 0) {
        rangesReread++;
        pushFileBytes(fd, truth, pos, range.end);
        continue;
      }
      // In step with the worker from this checkpoint on: keep what the main reader counted so far, take the rest from the worker.
      sum.add(truth.stats);
      processes = new Map(truth.snapshot().processes);
      truth = undefined;
      for (const seg of segments.slice(from)) {
        sum.add(seg.stats);
        tally.merge(seg.tally);
        for (const [key, n] of seg.deferred) {
          const sp = key.indexOf(' ');
          tally.addKey(withTallyParent(key.slice(sp + 1), processes.get(Number(key.slice(0, sp))) ?? '', tally.exact), n);
        }
        for (const [pid, exe] of seg.processes) {
          processes.delete(pid);
          processes.set(pid, exe);
        }
      }
      open = endOpen;
    }
    truth ??= newReader(open);
    sum.add(truth.end());
    processes = new Map(truth.snapshot().processes);
    if (processes.size >= capacity) {
      // The sequential reader's map would have dropped entries: which ones depends on the whole order of events.
      const seq = readAuditFileSequential(file, scanOptions);
      return { ...seq, ranges: ranges.length, rangesReread, checkpointsMissed, fallbackReason: `more than ${capacity - 1} distinct pids` };
    }
    return { stats: sum.s, tally, mode: 'parallel', ranges: ranges.length, rangesReread, checkpointsMissed };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The product's way to read a regular audit log file: in parallel when it is
 * at least `parallelMinBytes` (default 32 MB), there is more than one core
 * to use and worker threads can be started (not in a one-file bundle), else
 * in this thread. The results are equal either way.
 */
export async function readAuditFile(file: string, options: AuditFileReadOptions & { parallelMinBytes?: number } = {}): Promise<AuditFileReadResult> {
  const size = fs.statSync(file).size;
  const workers = options.workers ?? defaultAuditReadWorkers();
  if (size < (options.parallelMinBytes ?? PARALLEL_MIN_BYTES) || workers < 2 || !auditRangeWorkerPool.available) return readAuditFileSequential(file, options);
  return readAuditFileParallel(file, { ...options, workers });
}

export const PARALLEL_MIN_BYTES = 32 << 20;
