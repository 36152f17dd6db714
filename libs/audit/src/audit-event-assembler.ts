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
  private readonly open = new Map<string, AuditEventDraft>();
  /** Open events bucketed by their second, and those seconds in ascending order. */
  private readonly bySecond = new Map<number, AuditEventDraft[]>();
  private readonly seconds: number[] = [];
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
    let draft = this.open.get(rec.id);
    if (rec.type === 'EOE') {
      // An EOE whose event already ended carries nothing: not a new event.
      if (draft) this.complete(draft);
      return;
    }
    if (draft) {
      draft.merge(rec);
      return;
    }
    draft = new AuditEventDraft(rec.id, rec.timestampMs);
    draft.merge(rec);
    const sec = Math.floor(rec.timestampMs / 1000);
    if (isSingleRecordEventType(rec.type)) {
      this.expireBefore(sec);
      this.emit(draft);
      return;
    }
    this.open.set(rec.id, draft);
    this.addToSecond(sec, draft);
    this.expireBefore(sec);
    if (this.open.size > this.maxOpen) {
      // Map iteration order is insertion order: the first entry started earliest.
      const first = this.open.values().next();
      if (!first.done) this.complete(first.value);
    }
  }

  /** Ends every open event (end of input). */
  flush(): void {
    for (const draft of [...this.open.values()]) this.complete(draft);
    this.bySecond.clear();
    this.seconds.length = 0;
  }

  get openEvents(): number {
    return this.open.size;
  }

  private complete(draft: AuditEventDraft): void {
    if (this.open.get(draft.id) !== draft) return;
    this.open.delete(draft.id);
    this.emit(draft);
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
      const live = bucket.filter((d) => this.open.get(d.id) === d);
      bucket.length = 0;
      bucket.push(...live);
    }
    bucket.push(draft);
  }
}
