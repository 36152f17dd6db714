const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const DAY_MS = 86_400_000;

export interface YearInferenceOptions {
  /** "Now" for the log: its newest line cannot be later than this (e.g. the file's mtime). Default: the current time. */
  referenceMs?: number;
  /** The host's offset from UTC in minutes (e.g. -420 for PDT). Default: this machine's local time zone. */
  utcOffsetMinutes?: number;
}

function build(year: number, month: number, day: number, h: number, mi: number, s: number, ms: number, off: number | undefined): number | undefined {
  const t = off === undefined ? new Date(year, month, day, h, mi, s, ms).getTime() : Date.UTC(year, month, day, h, mi, s, ms) - off * 60_000;
  // Reject dates that roll over (Feb 30, Feb 29 in a common year).
  const d = off === undefined ? new Date(t) : new Date(t + off * 60_000);
  const [y2, m2, d2] = off === undefined ? [d.getFullYear(), d.getMonth(), d.getDate()] : [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  return y2 === year && m2 === month && d2 === day ? t : undefined;
}

/**
 * Epoch ms of a syslog timestamp without a year (`Aug 19 09:47:29`, `Aug  9 …`):
 * the reference date's year, or the year before when that would put the line
 * more than a day after the reference (a log read in January holding December
 * lines). Feb 29 goes back to the last leap year. Undefined when unreadable.
 */
export function inferSyslogTime(mon: string, day: number, h: number, mi: number, s: number, ms: number, o: YearInferenceOptions = {}): number | undefined {
  const month = MONTHS[mon.toLowerCase()];
  if (month === undefined || !(day >= 1 && day <= 31) || h > 23 || mi > 59 || s > 60) return undefined;
  const ref = o.referenceMs ?? Date.now();
  const off = o.utcOffsetMinutes;
  const refYear = off === undefined ? new Date(ref).getFullYear() : new Date(ref + off * 60_000).getUTCFullYear();
  for (let year = refYear; year >= refYear - 8; year--) {
    const t = build(year, month, day, h, mi, Math.min(s, 59), ms, off);
    if (t === undefined) continue;
    if (t > ref + DAY_MS) continue; // in the future: last year's line
    return t;
  }
  return undefined;
}

const SYSLOG_TS = /^([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s/;
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\s/;

/** Reads the timestamp a log line starts with (syslog without a year, or ISO 8601). */
export function parseLineTimestamp(line: string, o: YearInferenceOptions = {}): number | undefined {
  let m = SYSLOG_TS.exec(line);
  if (m) return inferSyslogTime(m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0, o);
  m = ISO_TS.exec(line);
  if (m) {
    const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i]));
    let off = o.utcOffsetMinutes;
    if (m[8]) {
      if (m[8] === 'Z') off = 0;
      else {
        const z = m[8].replace(':', '');
        off = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
      }
    }
    return build(y, mo - 1, d, h, mi, Math.min(s, 59), ms, off);
  }
  return undefined;
}
