import type { ObservedEvent } from '@fleettune/counting';
import { AuditEventAssembler } from './audit-event-assembler';
import { AuditEventDraft, AuditEventDraftSnapshot } from './audit-event-draft';
import { AuditEventInterpreter } from './audit-event-interpreter';
import { AuditLineParser } from './audit-line-parser';
import { AuditLineSplitter, DEFAULT_MAX_LINE_BYTES } from './audit-line-splitter';
import { AuditRecord } from './audit-record';
import { SkipCounts, SkipReason } from './skip-reason';

export interface AuditLogReaderOptions {
  maxLineBytes?: number;
  maxOpenEvents?: number;
  /** auditd.conf end_of_event_timeout (seconds, default 2). */
  eventTimeoutSeconds?: number;
  maxTrackedProcesses?: number;
  /** Called for every skipped line, e.g. to log samples. */
  onSkip?: (reason: SkipReason) => void;
}

export interface AuditReadStats {
  events: number;
  records: number;
  bytes: number;
  skipped: number;
  skippedReasons: SkipCounts;
  /** Earliest / latest event timestamps seen (ms), undefined when no event. */
  firstTimestampMs?: number;
  lastTimestampMs?: number;
}

/**
 * What a reader holds between two bytes of input, as plain JSON-safe data:
 * with the input offset it was taken at, it lets a restarted reader go on
 * exactly as if it had never stopped (same events, same parents).
 */
export interface AuditReaderSnapshot {
  v: 1;
  /** Unterminated last line, base64. */
  partialLine: string;
  discardingLongLine: boolean;
  openEvents: AuditEventDraftSnapshot[];
  /** pid -> exe, least recently updated first. */
  processes: Array<[number, string]>;
  latestRecordMs?: number;
}

/**
 * Push-style reader of an audit log byte stream: splitter -> line parser ->
 * event assembler -> interpreter. Calls onEvent once per audit event (every
 * event, whatever its type, so `stats.events` equals aureport's "Number of
 * events"). Malformed lines are counted in stats and never throw.
 */
export class AuditLogReader {
  readonly stats: AuditReadStats = { events: 0, records: 0, bytes: 0, skipped: 0, skippedReasons: {} };
  /** Latest record timestamp seen (ms), -1 before the first record. */
  latestRecordMs = -1;
  private readonly splitter: AuditLineSplitter;
  private readonly parser = new AuditLineParser();
  private readonly record = new AuditRecord();
  private readonly assembler: AuditEventAssembler;
  private readonly interpreter: AuditEventInterpreter;
  private readonly onSkipHook?: (reason: SkipReason) => void;

  constructor(
    private readonly onEvent: (event: ObservedEvent) => void,
    options: AuditLogReaderOptions = {},
  ) {
    this.onSkipHook = options.onSkip;
    this.interpreter = new AuditEventInterpreter({ maxTrackedProcesses: options.maxTrackedProcesses });
    this.assembler = new AuditEventAssembler((d) => this.finish(d), {
      maxOpenEvents: options.maxOpenEvents,
      eventTimeoutSeconds: options.eventTimeoutSeconds,
    });
    this.splitter = new AuditLineSplitter(
      (buf, start, end, scan) => this.line(buf, start, end, scan),
      () => this.skip('line-too-long'),
      options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      true,
    );
  }

  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    this.splitter.push(chunk);
  }

  /**
   * End of input: completes the last line and every open event. With
   * `includePartialLine` false an unterminated last line is dropped
   * unreported (a writer may still be writing it).
   */
  end(includePartialLine = true): AuditReadStats {
    if (!includePartialLine) this.splitter.discardPartial();
    this.splitter.end();
    this.assembler.flush();
    return this.stats;
  }

  /**
   * The current piece of input is over but more follows (a rotated log file
   * was read to its end): an unterminated last line is a line of its own,
   * and open events stay open.
   */
  endLine(): void {
    this.splitter.end();
  }

  /** Bytes of an unterminated line held so far. */
  get pendingLineBytes(): number {
    return this.splitter.pendingLineBytes;
  }

  get openEvents(): number {
    return this.assembler.openEvents;
  }

  /** Timestamp of the earliest event that may still gain records, undefined when none is open. */
  oldestOpenEventMs(): number | undefined {
    return this.assembler.oldestOpenTimestampMs();
  }

  /**
   * Ends the open events that a record stamped `nowMs` would end (their
   * second + end_of_event_timeout <= now's second). For live input that has
   * gone quiet, with the wall clock.
   */
  expireOpenEvents(nowMs: number): void {
    this.assembler.expireAt(nowMs);
  }

  snapshot(): AuditReaderSnapshot {
    const split = this.splitter.snapshot();
    return {
      v: 1,
      partialLine: split.partial.toString('base64'),
      discardingLongLine: split.discarding,
      openEvents: this.assembler.openDrafts().map((d) => d.snapshot()),
      processes: this.interpreter.processes(),
      latestRecordMs: this.latestRecordMs,
    };
  }

  /** The open events, oldest first, as plain data (what `snapshot().openEvents` holds). */
  openEventSnapshots(): AuditEventDraftSnapshot[] {
    return this.assembler.openDrafts().map((d) => d.snapshot());
  }

  /**
   * Forgets every learned pid -> exe entry: a reader that starts in the middle
   * of a log (a parallel range) learns its own, and an exec whose parent it
   * does not know is then resolved against the log before it.
   */
  forgetProcesses(): void {
    this.interpreter.clearProcesses();
  }

  /** Continues from a snapshot (call on a reader that has not read anything yet). */
  restore(s: AuditReaderSnapshot): void {
    if (s.v !== 1) throw new Error(`unsupported audit reader snapshot version ${String(s.v)}`);
    this.splitter.restore({ partial: Buffer.from(s.partialLine, 'base64'), discarding: s.discardingLongLine });
    this.assembler.restore(s.openEvents.map((d) => AuditEventDraft.fromSnapshot(d)));
    this.interpreter.restoreProcesses(s.processes);
    this.latestRecordMs = s.latestRecordMs ?? -1;
  }

  private line(buf: Buffer, start: number, end: number, scan: number): void {
    let r: ReturnType<AuditLineParser['parse']>;
    try {
      r = this.parser.parse(buf, start, end, this.record, scan);
    } catch {
      // Defensive: the parser is written not to throw; a bug must not stop a scan.
      r = 'truncated';
    }
    if (r === null) {
      this.stats.records++;
      if (this.record.timestampMs > this.latestRecordMs) this.latestRecordMs = this.record.timestampMs;
      this.assembler.add(this.record);
    } else if (r !== 'empty') {
      this.skip(r);
    }
  }

  private skip(reason: SkipReason): void {
    this.stats.skipped++;
    this.stats.skippedReasons[reason] = (this.stats.skippedReasons[reason] ?? 0) + 1;
    this.onSkipHook?.(reason);
  }

  private finish(d: AuditEventDraft): void {
    const event = this.interpreter.interpret(d);
    const s = this.stats;
    s.events++;
    if (s.firstTimestampMs === undefined || d.timestampMs < s.firstTimestampMs) s.firstTimestampMs = d.timestampMs;
    if (s.lastTimestampMs === undefined || d.timestampMs > s.lastTimestampMs) s.lastTimestampMs = d.timestampMs;
    this.onEvent(event);
  }
}

/** Reads a whole stream with a callback per event (the fastest way); resolves with the stats. */
export async function readAuditLog(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  onEvent: (event: ObservedEvent) => void,
  options: AuditLogReaderOptions = {},
): Promise<AuditReadStats> {
  const reader = new AuditLogReader(onEvent, options);
  for await (const chunk of chunks) reader.push(chunk);
  return reader.end();
}

export type AuditReadItem = { event: ObservedEvent } | { skip: SkipReason };

/** Pull-style variant: yields every event and every skipped line, in input order per chunk. */
export async function* readAuditEvents(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: AuditLogReaderOptions = {},
): AsyncGenerator<AuditReadItem, AuditReadStats, undefined> {
  let batch: AuditReadItem[] = [];
  const reader = new AuditLogReader((event) => batch.push({ event }), {
    ...options,
    onSkip: (reason) => {
      batch.push({ skip: reason });
      options.onSkip?.(reason);
    },
  });
  for await (const chunk of chunks) {
    reader.push(chunk);
    const out = batch;
    batch = [];
    yield* out;
  }
  const stats = reader.end();
  yield* batch;
  return stats;
}
