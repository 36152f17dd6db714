import * as fs from 'node:fs';
import type { ObservedEvent } from '@fleettune/counting';
import { AuditEventDraftSnapshot } from './audit-event-draft';
import { AuditEventTally, eventTallyKey } from './audit-event-tally';
import { AuditFileRange } from './audit-file-ranges';
import { AuditLogReader, AuditReadStats } from './audit-log-reader';
import { SkipCounts } from './skip-reason';

/** Reader settings a parallel read passes to every range (they must be the same everywhere). */
export interface AuditRangeScanOptions {
  maxLineBytes?: number;
  maxOpenEvents?: number;
  eventTimeoutSeconds?: number;
  maxTrackedProcesses?: number;
  /** Tally every field of every event (see AuditEventTally). */
  exactEvents?: boolean;
}

/**
 * What a range's worker counted from one checkpoint to the next (or to the
 * range's end), with a reader whose pid -> exe map was emptied at the
 * checkpoint. The main thread uses it only if its own reader, holding the
 * true state, has the same open events at that checkpoint (`open`).
 */
export interface AuditRangeSegment {
  /** The checkpoint (byte offset) this segment starts at. */
  at: number;
  /** Open events at the checkpoint, oldest first. */
  open: AuditEventDraftSnapshot[];
  /** Lines, bytes, records and skips of the segment; events emitted in it. */
  stats: AuditReadStats;
  /** Events emitted in the segment whose parent is known (or that have none to know). */
  tally: Map<string, number>;
  /**
   * Execs whose ppid was not seen in the segment: key `<ppid> <tally key
   * with parentPath ''>`; the main thread names the parent from the log
   * before the checkpoint.
   */
  deferred: Map<string, number>;
  /** pid -> exe learned in the segment. */
  processes: Array<[number, string]>;
}

export interface AuditRangeResult {
  /** One per checkpoint, in order. */
  segments: AuditRangeSegment[];
  /** Open events at the range's end (what the next range's head continues). */
  endOpen: AuditEventDraftSnapshot[];
}

const READ_BYTES = 1 << 20;

function pushBytes(fd: number, reader: AuditLogReader, from: number, to: number, buf: Buffer): void {
  let pos = from;
  while (pos < to) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
    if (n <= 0) throw new Error(`audit log shrank while being read (at byte ${pos})`);
    reader.push(buf.subarray(0, n));
    pos += n;
  }
}

/** Reads [from, to) of an open file into a reader, 1 MiB at a time. */
export function pushFileBytes(fd: number, reader: AuditLogReader, from: number, to: number): void {
  pushBytes(fd, reader, from, to, Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(1, to - from))));
}

function minusReasons(a: SkipCounts, b: SkipCounts): SkipCounts {
  const out: SkipCounts = {};
  for (const [k, v] of Object.entries(a) as Array<[keyof SkipCounts, number]>) {
    const d = v - (b[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/**
 * Reads one range with a reader that starts empty (streaming, one 1 MiB
 * buffer), as a parallel worker does, cutting what it counts into segments
 * at the range's checkpoints. Events emitted before the first checkpoint are
 * dropped (the main thread recounts them), and the pid -> exe map is
 * forgotten at each checkpoint, so a segment's counts depend only on the
 * open events at its checkpoint, the bytes after it, and (for deferred
 * parents) the log before it.
 */
export function scanAuditRange(fd: number, range: AuditFileRange, options: AuditRangeScanOptions = {}): AuditRangeResult {
  const exact = options.exactEvents === true;
  let tally: AuditEventTally | undefined;
  let deferred = new Map<string, number>();
  let events = 0;
  let first: number | undefined;
  let last: number | undefined;
  const onEvent = (e: ObservedEvent): void => {
    if (tally === undefined) return;
    events++;
    if (first === undefined || e.timestampMs < first) first = e.timestampMs;
    if (last === undefined || e.timestampMs > last) last = e.timestampMs;
    const x = e.exec;
    // The interpreter names a parent only from a pid -> exe entry, never ''.
    if (x !== undefined && x.parentPath === '' && x.ppid !== undefined) {
      const key = `${x.ppid} ${eventTallyKey(e, exact)}`;
      deferred.set(key, (deferred.get(key) ?? 0) + 1);
    } else {
      tally.add(e);
    }
  };
  const reader = new AuditLogReader(onEvent, {
    maxLineBytes: options.maxLineBytes,
    maxOpenEvents: options.maxOpenEvents,
    eventTimeoutSeconds: options.eventTimeoutSeconds,
    maxTrackedProcesses: options.maxTrackedProcesses,
  });
  const segments: AuditRangeSegment[] = [];
  let at = { ...reader.stats, skippedReasons: { ...reader.stats.skippedReasons } };
  const endSegment = (): void => {
    const seg = segments[segments.length - 1];
    if (seg === undefined) return;
    const s = reader.stats;
    seg.stats = {
      events,
      records: s.records - at.records,
      bytes: s.bytes - at.bytes,
      skipped: s.skipped - at.skipped,
      skippedReasons: minusReasons(s.skippedReasons, at.skippedReasons),
      firstTimestampMs: first,
      lastTimestampMs: last,
    };
    seg.tally = tally!.counts;
    seg.deferred = deferred;
    seg.processes = reader.snapshot().processes;
  };
  const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(1, range.end - range.start)));
  let pos = range.start;
  for (const cp of range.checkpoints) {
    pushBytes(fd, reader, pos, cp, buf);
    pos = cp;
    endSegment();
    segments.push({ at: cp, open: reader.openEventSnapshots(), stats: reader.stats, tally: new Map(), deferred: new Map(), processes: [] });
    at = { ...reader.stats, skippedReasons: { ...reader.stats.skippedReasons } };
    reader.forgetProcesses();
    tally = new AuditEventTally(exact);
    deferred = new Map();
    events = 0;
    first = undefined;
    last = undefined;
  }
  pushBytes(fd, reader, pos, range.end, buf);
  // The file's last line may lack its newline; it is a line all the same. Open events stay open.
  if (range.last) reader.endLine();
  endSegment();
  return { segments, endOpen: reader.openEventSnapshots() };
}
