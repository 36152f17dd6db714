/**
 * Copies of a recorded audit log shifted in time and event serials, for
 * long test and benchmark inputs built from real recordings: every
 * `msg=audit(<sec>.<ms>:<serial>)` gets `sec + shiftSeconds` and
 * `serial + shiftSerial`; nothing else changes, so each copy parses to the
 * same counts as the original (exec parents aside, which depend on order).
 */
export function shiftAuditLog(log: Buffer, shiftSeconds: number, shiftSerial: number): Buffer {
  const s = log.toString('latin1');
  const out = s.replace(/msg=audit\((\d+)\.(\d{3}):(\d+)\)/g, (_m, sec: string, ms: string, serial: string) => {
    return `msg=audit(${Number(sec) + shiftSeconds}.${ms}:${Number(serial) + shiftSerial})`;
  });
  return Buffer.from(out, 'latin1');
}

/** Seconds covered by a log (last - first `msg=audit(` second), at least 1. */
export function auditLogSpanSeconds(log: Buffer): { first: number; last: number; maxSerial: number } {
  const s = log.toString('latin1');
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let maxSerial = 0;
  for (const m of s.matchAll(/msg=audit\((\d+)\.\d{3}:(\d+)\)/g)) {
    const sec = Number(m[1]);
    if (sec < first) first = sec;
    if (sec > last) last = sec;
    const serial = Number(m[2]);
    if (serial > maxSerial) maxSerial = serial;
  }
  return { first: Number.isFinite(first) ? first : 0, last, maxSerial };
}
