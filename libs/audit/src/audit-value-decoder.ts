/**
 * Decoding of auditd string values. The kernel (audit_log_untrustedstring)
 * writes a string quoted when it is plain printable ASCII, and as bare
 * uppercase hex when it contains a space, a quote, a control byte or a byte
 * above 0x7e. `(null)` / `(none)` stand for "no value".
 *
 * Values arrive as latin1 strings (one char per byte) so that decoding to
 * UTF-8 happens once, only for the values that are actually kept.
 */

const HEX_NOT_OK = 255;
const HEX_VALUE = new Uint8Array(128).fill(HEX_NOT_OK);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

/** True when s[start..end) is a non-empty run of hex digits. */
export function isHexRun(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HEX_VALUE[c] === HEX_NOT_OK) return false;
  }
  return true;
}

/** latin1 string holding raw bytes -> JS string, decoding UTF-8 only when a byte is >= 0x80. */
export function latin1BytesToUtf8(bytes: string): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) >= 0x80) return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return bytes;
}

/** Decodes an even-length hex run to its bytes as a UTF-8 string. */
export function decodeHex(s: string, start: number, end: number): string {
  return Buffer.from(s.slice(start, end), 'hex').toString('utf8');
}

/** Result marker for a bare value that looks like hex cut short (odd length). */
export const TRUNCATED_VALUE = Symbol('truncated');

/**
 * Decodes the value s[start..end) of a string field: quoted, bare hex,
 * `(null)` (-> undefined) or any other bare word (kept as written).
 */
export function decodeAuditString(s: string, start: number, end: number): string | undefined | typeof TRUNCATED_VALUE {
  if (end - start >= 2 && s.charCodeAt(start) === 34 && s.charCodeAt(end - 1) === 34) {
    return latin1BytesToUtf8(s.slice(start + 1, end - 1));
  }
  if (end - start === 6 && (s.startsWith('(null)', start) || s.startsWith('(none)', start))) return undefined;
  if (isHexRun(s, start, end)) {
    if ((end - start) % 2 !== 0) return TRUNCATED_VALUE;
    return decodeHex(s, start, end);
  }
  return latin1BytesToUtf8(s.slice(start, end));
}

/** Decodes a standalone field value such as `"whoami"` or `64617368002D70` (PROCTITLE/EXECVE args keep NULs). */
export function decodeAuditValue(value: string): string | undefined {
  const v = decodeAuditString(value, 0, value.length);
  return v === TRUNCATED_VALUE ? undefined : v;
}

/** Parses the decimal digits s[start..end); -1 when empty or not all digits. */
export function parseDecimal(s: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Parses hex digits s[start..end) (no 0x prefix); -1 when invalid. Only the low 48 bits matter to callers. */
export function parseHexNumber(s: string, start: number, end: number): number {
  if (end <= start) return -1;
  // Syscall args are 64-bit; callers test low flag bits, so keep the last 12 digits.
  const from = Math.max(start, end - 12);
  if (!isHexRun(s, start, end)) return -1;
  let n = 0;
  for (let i = from; i < end; i++) n = n * 16 + HEX_VALUE[s.charCodeAt(i)];
  return n;
}
