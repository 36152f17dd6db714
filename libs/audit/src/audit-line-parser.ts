import { isUtf8 } from 'node:buffer';
import { isKnownRecordType } from './audit-record-types';
import { AuditRecord } from './audit-record';
import { decodeAuditString, parseDecimal, TRUNCATED_VALUE } from './audit-value-decoder';
import { SkipReason } from './skip-reason';

/** AUDIT_INTERP_SEPARATOR: ENRICHED logs put the interpreted fields after it. */
const INTERP_SEPARATOR = '\x1d';
/** AUDIT_KEY_SEPARATOR: several `-k` keys of one rule are joined with it. */
const KEY_SEPARATOR = '\x01';

// Anything but printable ASCII, tab and the interp separator needs a closer look.
const UNUSUAL_BYTE = /[^\x20-\x7e\t\x1d]/;
const CONTROL_BYTE = /[\x00-\x08\x0a-\x1c\x1e\x1f\x7f]/;

/**
 * First interpreted field names per record type. When a copy-pasted log lost
 * the 0x1D byte (`key=(null)ARCH=x86_64`, `cap_fver=0OUID="root"`), the
 * interpreted part is found as an uppercase name glued to the last raw value;
 * preferring these names resolves hex values that end in A-F (`…6CEARCH=`).
 */
const GLUED_INTERP_NAMES = ['SYSCALL', 'SADDR', 'ARCH', 'OUID', 'OGID', 'AUID', 'UID'];

const enum Kind {
  Other,
  Syscall,
  Path,
  Cwd,
  ConfigChange,
}

function kindOf(type: string): Kind {
  switch (type) {
    case 'SYSCALL':
      return Kind.Syscall;
    case 'PATH':
      return Kind.Path;
    case 'CWD':
      return Kind.Cwd;
    case 'CONFIG_CHANGE':
      return Kind.ConfigChange;
    default:
      return Kind.Other;
  }
}

// Buffer#latin1Slice skips toString()'s argument checks; it is not in the typings.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (s: number, e: number) => string }).latin1Slice;
function latin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice ? latin1Slice.call(buf, start, end) : buf.toString('latin1', start, end);
}

function isUpperOrUnderscore(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 95;
}

/** Where a header ends: fieldsStart is just past `):`. */
interface HeaderResult {
  reason: SkipReason | null;
  fieldsStart: number;
}

/**
 * Parses one audit log line (raw or ENRICHED, optional `node=` prefix) into
 * an AuditRecord, or says why the line is skipped. Never throws.
 *
 * Speed: only the header is decoded for records whose content the counting
 * does not use (EXECVE, PROCTITLE, BPRM_FCAPS, ...). For SYSCALL, PATH, CWD
 * and CONFIG_CHANGE the needed fields are found with indexOf(' name='):
 * kernel records write lowercase names each preceded by a space, and quoted
 * or hex values never contain a space, so the search cannot hit a value;
 * ENRICHED names are uppercase, so they cannot be confused either.
 */
export class AuditLineParser {
  private readonly header: HeaderResult = { reason: null, fieldsStart: 0 };
  private kind = Kind.Other;

  /**
   * Parses bytes buf[start..end) (no trailing newline) into `rec`.
   * Returns null on success, 'empty' for a blank line, or a skip reason.
   */
  parse(buf: Buffer, start: number, end: number, rec: AuditRecord): SkipReason | 'empty' | null {
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    if (end === start) return 'empty';
    rec.reset();
    // The header ends at the first ')' (`msg=audit(...):`); decode only that much first.
    let close = buf.indexOf(0x29, start);
    if (close < 0 || close >= end || close - start > 512) close = Math.min(end, start + 512) - 1;
    const headEnd = Math.min(end, close + 2);
    const head = latin1(buf, start, headEnd);
    const h = this.parseHeader(head, rec);
    if (h.reason !== null) return this.classifyBadLine(buf, start, end, h.reason);
    if (this.kind === Kind.Other) return null; // only the identity matters for other records
    const s = headEnd === end ? head : latin1(buf, start, end);
    if (UNUSUAL_BYTE.test(s)) {
      if (CONTROL_BYTE.test(s)) return 'control-bytes';
      // Bytes >= 0x80: auditd hex-encodes those in raw fields, but ENRICHED
      // names may be UTF-8. Accept valid UTF-8, reject anything else.
      if (!isUtf8(buf.subarray(start, end))) return 'invalid-utf8';
    }
    return this.parseFields(s, h.fieldsStart, rec);
  }

  /** A line without a valid header: blank, or say what is wrong with its bytes first. */
  private classifyBadLine(buf: Buffer, start: number, end: number, reason: SkipReason): SkipReason | 'empty' {
    const s = latin1(buf, start, end);
    if (s.trim().length === 0) return 'empty';
    if (UNUSUAL_BYTE.test(s)) {
      if (CONTROL_BYTE.test(s)) return 'control-bytes';
      if (!isUtf8(buf.subarray(start, end))) return 'invalid-utf8';
    }
    return reason;
  }

  private parseHeader(s: string, rec: AuditRecord): HeaderResult {
    const h = this.header;
    h.reason = null;
    let pos = 0;
    if (s.startsWith('node=')) {
      const sp = s.indexOf(' ', 5);
      if (sp < 0) return this.fail('no-type');
      rec.node = s.slice(5, sp);
      pos = sp + 1;
    }
    if (!s.startsWith('type=', pos)) return this.fail('no-type');
    const typeEnd = s.indexOf(' ', pos + 5);
    if (typeEnd < 0) return this.fail('bad-header');
    const type = s.slice(pos + 5, typeEnd);
    if (!isKnownRecordType(type)) return this.fail('unknown-type');
    rec.type = type;
    pos = typeEnd + 1;
    if (!s.startsWith('msg=audit(', pos)) return this.fail('bad-header');
    pos += 10;
    const idStart = pos;
    // <sec>.<ms>:<serial>):
    const dot = s.indexOf('.', pos);
    const colon = s.indexOf(':', pos);
    const close = s.indexOf(')', pos);
    if (dot < 0 || colon < dot || close < colon || s.charCodeAt(close + 1) !== 58) return this.fail('bad-header');
    const sec = parseDecimal(s, idStart, dot);
    const ms = parseDecimal(s, dot + 1, colon);
    const serial = parseDecimal(s, colon + 1, close);
    if (sec < 0 || ms < 0 || serial < 0 || colon - dot !== 4) return this.fail('bad-header');
    rec.timestampMs = sec * 1000 + ms;
    rec.serial = serial;
    const id = s.slice(idStart, close);
    rec.id = rec.node ? rec.node + ' ' + id : id;
    this.kind = kindOf(type);
    h.fieldsStart = close + 2;
    return h;
  }

  private fail(reason: SkipReason): HeaderResult {
    this.header.reason = reason;
    return this.header;
  }

  private parseFields(s: string, from: number, rec: AuditRecord): SkipReason | null {
    const sep = s.indexOf(INTERP_SEPARATOR, from);
    const rawEnd = sep < 0 ? s.length : sep;
    // The kernel always writes these fields, so a missing one means the line was cut.
    switch (this.kind) {
      case Kind.Syscall: {
        // `key=` is the last raw field of a SYSCALL record; its end is where a
        // glued (separator-less) interpreted part starts.
        const k = s.lastIndexOf(' key=', rawEnd);
        if (k < from) return 'truncated';
        const kEnd = this.valueEnd(s, k + 5, rawEnd, sep < 0);
        if (kEnd < 0 || !this.onKey(s, k + 5, kEnd, rec)) return 'truncated';
        const interpStart = sep >= 0 ? sep + 1 : kEnd < s.length && s.charCodeAt(kEnd) !== 32 ? kEnd : -1;
        const rawLimit = k;
        let v = this.find(s, ' arch=', from, rawLimit);
        if (v >= 0) rec.arch = s.slice(v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' syscall=', from, rawLimit);
        if (v < 0) return 'truncated';
        rec.syscallNumber = parseDecimal(s, v, this.bareEnd(s, v, rawLimit));
        if (rec.syscallNumber < 0) return 'truncated';
        v = this.find(s, ' success=', from, rawLimit);
        if (v >= 0) rec.success = s.startsWith('yes', v);
        v = this.find(s, ' a1=', from, rawLimit);
        if (v >= 0) rec.a1 = s.slice(v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' a2=', from, rawLimit);
        if (v >= 0) rec.a2 = s.slice(v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' ppid=', from, rawLimit);
        if (v >= 0) rec.ppid = parseDecimal(s, v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' pid=', from, rawLimit);
        if (v >= 0) rec.pid = parseDecimal(s, v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' uid=', from, rawLimit);
        if (v >= 0) rec.uid = s.slice(v, this.bareEnd(s, v, rawLimit));
        v = this.find(s, ' exe=', from, rawLimit);
        if (v >= 0) {
          const e = this.valueEnd(s, v, rawLimit, false);
          if (e < 0) return 'truncated';
          const exe = decodeAuditString(s, v, e);
          if (exe === TRUNCATED_VALUE) return 'truncated';
          rec.exe = exe;
        }
        if (interpStart >= 0) {
          const end = s.length;
          v = this.findInterp(s, 'SYSCALL=', interpStart, end);
          if (v >= 0) rec.interpretedSyscall = s.slice(v, this.bareEnd(s, v, end));
          v = this.findInterp(s, 'UID=', interpStart, end);
          if (v >= 0) {
            const e = this.valueEnd(s, v, end, false);
            const uid = e < 0 ? undefined : decodeAuditString(s, v, e);
            if (typeof uid === 'string') rec.interpretedUid = uid;
          }
        }
        return null;
      }
      case Kind.Path: {
        const item = this.find(s, ' item=', from, rawEnd);
        if (item < 0) return 'truncated';
        rec.item = parseDecimal(s, item, this.bareEnd(s, item, rawEnd));
        let nt = this.find(s, ' nametype=', from, rawEnd);
        if (nt < 0) nt = this.find(s, ' objtype=', from, rawEnd); // older kernels
        if (nt < 0) return 'truncated';
        rec.nametype = s.slice(nt, this.upperEnd(s, nt, rawEnd));
        const n = this.find(s, ' name=', from, rawEnd);
        if (n >= 0) {
          const e = this.valueEnd(s, n, rawEnd, false);
          if (e < 0) return 'truncated';
          const name = decodeAuditString(s, n, e);
          if (name === TRUNCATED_VALUE) return 'truncated';
          rec.name = name;
        }
        return null;
      }
      case Kind.Cwd: {
        const c = this.find(s, ' cwd=', from - 1, rawEnd);
        if (c < 0) return 'truncated';
        const e = this.valueEnd(s, c, rawEnd, sep < 0);
        if (e < 0) return 'truncated';
        const cwd = decodeAuditString(s, c, e);
        if (cwd === TRUNCATED_VALUE) return 'truncated';
        rec.cwd = cwd ?? '';
        return null;
      }
      case Kind.ConfigChange: {
        const k = this.find(s, ' key=', from - 1, rawEnd);
        if (k >= 0) {
          const e = this.valueEnd(s, k, rawEnd, sep < 0);
          if (e < 0 || !this.onKey(s, k, e, rec)) return 'truncated';
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** Start of the value of raw field `needle` (' name=') in s[from..end), or -1. */
  private find(s: string, needle: string, from: number, end: number): number {
    const i = s.indexOf(needle, from);
    return i < 0 || i + needle.length > end ? -1 : i + needle.length;
  }

  /** Start of the value of interpreted field `name=` (at the start or after a space), or -1. */
  private findInterp(s: string, name: string, from: number, end: number): number {
    if (s.startsWith(name, from)) return from + name.length;
    return this.find(s, ' ' + name, from, end);
  }

  /** End of a bare value (next space or end). */
  private bareEnd(s: string, v: number, end: number): number {
    const sp = s.indexOf(' ', v);
    return sp < 0 || sp > end ? end : sp;
  }

  /** End of an uppercase word such as NORMAL, so a glued `OUID=` after it is not included. */
  private upperEnd(s: string, v: number, end: number): number {
    let i = v;
    while (i < end && isUpperOrUnderscore(s.charCodeAt(i))) i++;
    // A glued interp name right after (NORMALOUID=) belongs to the interp part.
    if (i < end && s.charCodeAt(i) === 61) {
      for (const name of GLUED_INTERP_NAMES) if (s.startsWith(name, i - name.length) && i - name.length > v) return i - name.length;
    }
    return i;
  }

  /**
   * End of the value starting at v: past the closing quote, or the next
   * space. With `detectGlue`, an uppercase interpreted name glued to the
   * value ends it. Returns -1 for an unterminated quote.
   */
  private valueEnd(s: string, v: number, end: number, detectGlue: boolean): number {
    const q = s.charCodeAt(v);
    if (q === 34) {
      const close = s.indexOf('"', v + 1);
      return close < 0 || close >= end ? -1 : close + 1;
    }
    const e = this.bareEnd(s, v, end);
    if (detectGlue) {
      const g = s.indexOf('=', v);
      if (g >= 0 && g < e) {
        const b = this.gluedBoundary(s, v, g);
        if (b >= v) return b;
      }
    }
    return e;
  }

  /** Start of an uppercase interpreted name that ends at `eq` inside a bare value, or -1. */
  private gluedBoundary(s: string, vStart: number, eq: number): number {
    let b = eq;
    while (b > vStart && isUpperOrUnderscore(s.charCodeAt(b - 1))) b--;
    if (b === eq) return -1;
    for (const name of GLUED_INTERP_NAMES) {
      if (eq - b >= name.length && s.startsWith(name, eq - name.length)) return eq - name.length;
    }
    return b;
  }

  private onKey(s: string, vStart: number, vEnd: number, rec: AuditRecord): boolean {
    const v = decodeAuditString(s, vStart, vEnd);
    if (v === TRUNCATED_VALUE) return false;
    if (v === undefined || v === '') return true; // key=(null): the rule had no key
    if (v.indexOf(KEY_SEPARATOR) < 0) rec.keys.push(v);
    else for (const k of v.split(KEY_SEPARATOR)) if (k && k !== '(null)') rec.keys.push(k);
    return true;
  }
}
