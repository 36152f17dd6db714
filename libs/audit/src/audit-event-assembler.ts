import { isSingleRecordEventType } from './audit-record-types';
import { AuditEventDraft } from './audit-event-draft';
import { AuditRecord } from './audit-record';

export interface AuditEventAssemblerOptions {
  /**
   * Hard cap on events open at once (bounded memory): past it the event
   * opened earliest ends. Normally events end by the time rule below first.
   */
  maxOpenEvents?: number;
  /** auditd.conf end_of_event_timeout, in seconds (aureport honours the same setting). */
  eventTimeoutSeconds?: number;
}

/**
 * aureport closes an open event once an event starts whose second is at
 * least end_of_event_timeout (default 2) seconds later; checked against
 * aureport 3.0.9: a gap of 1 s joins, a gap of 2 s splits.
 */
const DEFAULT_EVENT_TIMEOUT_SECONDS = 2;

/**
 * Groups records into events by `msg=audit(<sec>.<ms>:<serial>)` and node,
 * ending events exactly when aureport does, so event counts agree:
 *  - an event whose first record is a single-record type (user-space and
 *    daemon messages, PROCTITLE, ANOM_*, ...) ends with that record;
 *  - other events end when an event starts whose second is 2 s or more
 *    later than theirs (auditd does not write EOE to disk, so this is how
 *    multi-record events end), or at end of input;
 *  - an EOE record also ends its event (other collectors keep EOE);
 *  - past maxOpenEvents the oldest open event ends (memory bound).
 * A record whose id belongs to an event that already ended starts a new event.
 */
export class AuditEventAssembler {
  /**
   * Open events by serial (the common case: one open event per serial), and
   * by full id for the rare second open event with the same serial (another
   * node, or a serial reused after a reboot). Numbers avoid a string per record.
   */
  private readonly bySerial = new Map<number, AuditEventDraft>();
  private readonly byId = new Map<string, AuditEventDraft>();
  /**
   * Open events in the order they opened, with closed ones not yet dropped;
   * slots before fifoHead are cleared so ended events are not kept alive.
   */
  private fifo: Array<AuditEventDraft | undefined> = [];
  private fifoHead = 0;
  private openCount = 0;
  /** Open events bucketed by their second, and those seconds in ascending order. */
  private readonly bySecond = new Map<number, AuditEventDraft[]>();
  private readonly seconds: number[] = [];
  /** The open event the previous record went to (a shortcut for find). */
  private lastFound: AuditEventDraft | undefined = undefined;
  private readonly maxOpen: number;
  private readonly timeoutSeconds: number;

  constructor(
    private readonly emit: (draft: AuditEventDraft) => void,
    options: AuditEventAssemblerOptions = {},
  ) {
    this.maxOpen = Math.max(1, options.maxOpenEvents ?? 8192);
    this.timeoutSeconds = options.eventTimeoutSeconds ?? DEFAULT_EVENT_TIMEOUT_SECONDS;
  }

  add(rec: AuditRecord): void {
    let draft = this.find(rec);
    this.lastFound = draft;
    if (rec.type === 'EOE') {
      // An EOE whose event already ended carries nothing: not a new event.
      if (draft) this.complete(draft);
      return;
    }
    if (draft) {
      draft.merge(rec);
      return;
    }
    draft = new AuditEventDraft(rec.node, rec.timestampMs, rec.serial);
    draft.merge(rec);
    const sec = Math.floor(rec.timestampMs / 1000);
    if (isSingleRecordEventType(rec.type)) {
      this.expireBefore(sec);
      draft.closed = true;
      this.emit(draft);
      return;
    }
    this.insert(draft);
    this.lastFound = draft;
    this.addToSecond(sec, draft);
    this.expireBefore(sec);
    if (this.openCount > this.maxOpen) {
      const first = this.firstOpen();
      if (first) this.complete(first);
    }
  }

  /** Ends every open event (end of input). */
  flush(): void {
    for (const draft of this.openDrafts()) this.complete(draft);
    this.bySecond.clear();
    this.seconds.length = 0;
    this.fifo = [];
    this.fifoHead = 0;
  }

  get openEvents(): number {
    return this.openCount;
  }

  /** Open events in the order they opened (for a checkpoint). */
  openDrafts(): AuditEventDraft[] {
    const out: AuditEventDraft[] = [];
    for (let i = this.fifoHead; i < this.fifo.length; i++) {
      const d = this.fifo[i]!;
      if (!d.closed) out.push(d);
    }
    return out;
  }

  /**
   * Re-opens drafts saved by `openDrafts()` (on an empty assembler), so that
   * events end, and are emitted, in the same order as without the restart.
   */
  restore(drafts: AuditEventDraft[]): void {
    for (const d of drafts) {
      d.closed = false;
      this.insert(d);
      this.addToSecond(Math.floor(d.timestampMs / 1000), d);
    }
  }

  /** Timestamp of the earliest event still open (that may still gain records), or undefined. */
  oldestOpenTimestampMs(): number | undefined {
    for (const s of this.seconds) {
      let min: number | undefined;
      for (const d of this.bySecond.get(s) ?? []) {
        if (!d.closed && (min === undefined || d.timestampMs < min)) min = d.timestampMs;
      }
      if (min !== undefined) return min;
    }
    return undefined;
  }

  /**
   * Ends open events whose second + timeout <= the second of `timestampMs`,
   * as a record of that time would. Live readers call it with the wall clock
   * when the log has gone quiet (auditd writes an event's records together).
   */
  expireAt(timestampMs: number): void {
    this.expireBefore(Math.floor(timestampMs / 1000));
  }

  private find(rec: AuditRecord): AuditEventDraft | undefined {
    // Records of one event mostly come one after another: try the last one first.
    const last = this.lastFound;
    if (last !== undefined && !last.closed && last.serial === rec.serial && last.timestampMs === rec.timestampMs && last.node === rec.node) return last;
    const d = this.bySerial.get(rec.serial);
    if (d !== undefined && d.timestampMs === rec.timestampMs && d.node === rec.node) return d;
    return this.byId.size > 0 ? this.byId.get(rec.id) : undefined;
  }

  private insert(d: AuditEventDraft): void {
    if (this.bySerial.has(d.serial)) this.byId.set(d.id, d);
    else this.bySerial.set(d.serial, d);
    this.fifo.push(d);
    this.openCount++;
  }

  private firstOpen(): AuditEventDraft | undefined {
    this.dropClosedFront();
    return this.fifo[this.fifoHead];
  }

  private complete(draft: AuditEventDraft): void {
    if (draft.closed) return;
    draft.closed = true;
    if (this.bySerial.get(draft.serial) === draft) this.bySerial.delete(draft.serial);
    else this.byId.delete(draft.id);
    this.openCount--;
    // Keep the fifo from growing with closed events (they mostly end in the order they opened).
    this.dropClosedFront();
    if (this.openCount === 0) {
      this.fifo = [];
      this.fifoHead = 0;
    } else if (this.fifo.length - this.fifoHead > 4 * this.openCount + 1024) {
      this.fifo = this.openDrafts();
      this.fifoHead = 0;
    }
    this.emit(draft);
  }

  private dropClosedFront(): void {
    const fifo = this.fifo;
    let head = this.fifoHead;
    while (head < fifo.length && fifo[head]!.closed) fifo[head++] = undefined;
    this.fifoHead = head;
    if (head > 4096 && head * 2 > fifo.length) {
      this.fifo = fifo.slice(head);
      this.fifoHead = 0;
    }
  }

  /** Ends open events whose second + timeout <= sec. */
  private expireBefore(sec: number): void {
    const secs = this.seconds;
    while (secs.length > 0 && secs[0] + this.timeoutSeconds <= sec) {
      const s = secs.shift()!;
      const bucket = this.bySecond.get(s);
      this.bySecond.delete(s);
      if (bucket) for (const d of bucket) this.complete(d);
    }
  }

  private addToSecond(sec: number, draft: AuditEventDraft): void {
    let bucket = this.bySecond.get(sec);
    if (!bucket) {
      bucket = [];
      this.bySecond.set(sec, bucket);
      // Seconds almost always arrive in order; insert out-of-order ones in place.
      const secs = this.seconds;
      let i = secs.length;
      while (i > 0 && secs[i - 1] > sec) i--;
      secs.splice(i, 0, sec);
    } else if (bucket.length >= 2 * this.maxOpen) {
      // Events ended early (EOE, cap) stay listed until their second expires; compact.
      const live = bucket.filter((d) => !d.closed);
      bucket.length = 0;
      bucket.push(...live);
    }
    bucket.push(draft);
  }
}
