const DAY_MS = 24 * 60 * 60 * 1000;
/** Clock differences between the recording and the reading host that still count as "now" (DST shifts stamps by an hour at most, and only near the change). */
const FUTURE_TOLERANCE_MS = 15 * 60 * 1000;

/**
 * Turns time-of-day stamps (`HH:MM:SS.ffffff`, as `fatrace -t` or
 * `execsnoop -T` print them, in the recording host's local time) into epoch
 * milliseconds. They carry no date: the first one is put on the local day of
 * `baseDateMs`, and a stamp more than 12 hours before the previous one is
 * taken as the next day (midnight passed while recording). DST changes during
 * a recording shift stamps by an hour; counts per window stay right otherwise.
 *
 * `recordedUntilMs` is when the recording ended at the latest (a file's mtime,
 * or now for a live stream): a first stamp later than that (beyond
 * FUTURE_TOLERANCE_MS) was recorded the day before. Without it, a capture made
 * yesterday afternoon and read this morning was dated hours into the future,
 * and the hub rightly refuses windows from the future.
 */
export class TimeOfDayClock {
  private dayStartMs: number;
  private lastMs?: number;

  constructor(
    baseDateMs: number,
    private readonly recordedUntilMs?: number,
  ) {
    const d = new Date(Number.isFinite(baseDateMs) ? baseDateMs : 0);
    d.setHours(0, 0, 0, 0);
    this.dayStartMs = d.getTime();
  }

  /** `text` is `HH:MM:SS[.fraction]`; undefined when it is not a valid time of day. */
  parse(text: string): number | undefined {
    const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
    if (!m) return undefined;
    const h = +m[1];
    const mi = +m[2];
    const s = +m[3];
    if (h > 23 || mi > 59 || s > 60) return undefined;
    const fracMs = m[4] ? Math.floor(+`0.${m[4]}` * 1e6) / 1e3 : 0;
    let t = this.dayStartMs + ((h * 60 + mi) * 60 + s) * 1000 + fracMs;
    if (this.lastMs === undefined && this.recordedUntilMs !== undefined && t > this.recordedUntilMs + FUTURE_TOLERANCE_MS) {
      this.dayStartMs -= DAY_MS;
      t -= DAY_MS;
    }
    if (this.lastMs !== undefined && t < this.lastMs - DAY_MS / 2) {
      this.dayStartMs += DAY_MS;
      t += DAY_MS;
    }
    this.lastMs = t;
    return t;
  }
}

/** `1795499307.618984` (epoch seconds with a fraction) to ms; undefined when not such a number. */
export function parseEpochSeconds(text: string): number | undefined {
  if (!/^\d{1,12}(?:\.\d{1,9})?$/.test(text)) return undefined;
  return Math.round(+text * 1e6) / 1e3;
}
