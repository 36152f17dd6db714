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

/**
 * Parses one audit log line (raw or ENRICHED, optional `node=` prefix) into
 * an AuditRecord, or says why the line is skipped. Never throws.
 */
export class AuditLineParser {
  private line = '';
  private kind = Kind.Other;
  private sawKey = false;
  private sawSyscall = false;
  private sawItem = false;
  private sawNametype = false;

  /**
   * Parses bytes buf[start..end) (no trailing newline) into `rec`.
   * Returns null on success, 'empty' for a blank line, or a skip reason.
   */
  parse(buf: Buffer, start: number, end: number, rec: AuditRecord): SkipReason | 'empty' | null {
    // latin1 maps each byte to one char: cheap to decode, and byte offsets equal string offsets.
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    if (end === start) return 'empty';
    const s = latin1(buf, start, end);
    if (s.charCodeAt(0) <= 32 && s.trim().length === 0) return 'empty';
    if (UNUSUAL_BYTE.test(s)) {
      if (CONTROL_BYTE.test(s)) return 'control-bytes';
      // Bytes >= 0x80: auditd hex-encodes those in raw fields, but ENRICHED
      // names may be UTF-8. Accept valid UTF-8, reject anything else.
      if (!isUtf8(buf.subarray(start, end))) return 'invalid-utf8';
    }
    this.line = s;
    rec.reset();
    return this.parseHeaderAndFields(s, rec);
  }

  private parseHeaderAndFields(s: string, rec: AuditRecord): SkipReason | null {
    let pos = 0;
    if (s.startsWith('node=')) {
      const sp = s.indexOf(' ', 5);
      if (sp < 0) return 'no-type';
      rec.node = s.slice(5, sp);
      pos = sp + 1;
    }
    if (!s.startsWith('type=', pos)) return 'no-type';
    const typeEnd = s.indexOf(' ', pos + 5);
    if (typeEnd < 0) return 'bad-header';
    const type = s.slice(pos + 5, typeEnd);
    if (!isKnownRecordType(type)) return 'unknown-type';
    rec.type = type;
    pos = typeEnd + 1;
    if (!s.startsWith('msg=audit(', pos)) return 'bad-header';
    pos += 10;
    const idStart = pos;
    // <sec>.<ms>:<serial>):
    const dot = s.indexOf('.', pos);
    const colon = s.indexOf(':', pos);
    const close = s.indexOf(')', pos);
    if (dot < 0 || colon < dot || close < colon || s.charCodeAt(close + 1) !== 58) return 'bad-header';
    const sec = parseDecimal(s, idStart, dot);
    const ms = parseDecimal(s, dot + 1, colon);
    const serial = parseDecimal(s, colon + 1, close);
    if (sec < 0 || ms < 0 || ms > 999 || serial < 0 || colon - dot !== 4) return 'bad-header';
    rec.timestampMs = sec * 1000 + ms;
    rec.serial = serial;
    const id = s.slice(idStart, close);
    rec.id = rec.node ? rec.node + ' ' + id : id;

    this.kind = kindOf(type);
    if (this.kind === Kind.Other) return null; // only the identity matters for other records
    this.sawKey = false;
    this.sawSyscall = false;
    this.sawItem = false;
    this.sawNametype = false;

    const fieldsStart = close + 2;
    const sep = s.indexOf(INTERP_SEPARATOR, fieldsStart);
    const rawEnd = sep < 0 ? s.length : sep;
    const interpStart = this.scanFields(s, fieldsStart, rawEnd, rec, false);
    if (interpStart === -2) return 'truncated';
    if (sep >= 0) {
      if (this.scanFields(s, sep + 1, s.length, rec, true) === -2) return 'truncated';
    } else if (interpStart >= 0) {
      if (this.scanFields(s, interpStart, s.length, rec, true) === -2) return 'truncated';
    }
    // Required fields: the kernel always writes them, so their absence means the line was cut.
    switch (this.kind) {
      case Kind.Syscall:
        // `key=` is the last raw field of a SYSCALL record.
        if (!this.sawSyscall || !this.sawKey) return 'truncated';
        break;
      case Kind.Path:
        if (!this.sawItem || !this.sawNametype) return 'truncated';
        break;
      case Kind.Cwd:
        if (rec.cwd === undefined) return 'truncated';
        break;
    }
    return null;
  }

  /**
   * Visits `name=value` fields in s[pos..end). Returns -1 when done, the
   * start of a glued interpreted part (raw scan only), or -2 when truncated.
   */
  private scanFields(s: string, pos: number, end: number, rec: AuditRecord, interp: boolean): number {
    while (pos < end) {
      if (s.charCodeAt(pos) === 32) {
        pos++;
        continue;
      }
      const eq = s.indexOf('=', pos);
      if (eq < 0 || eq >= end) return -1;
      const sp = s.indexOf(' ', pos);
      if (sp >= 0 && sp < eq) {
        pos = sp + 1; // a word without '=': not a field
        continue;
      }
      const vStart = eq + 1;
      let vEnd: number;
      let glued = -1;
      const q = s.charCodeAt(vStart);
      if (q === 34 || q === 39) {
        // "quoted" or 'single quoted' (user-space msg='...')
        const closeQ = s.indexOf(q === 34 ? '"' : "'", vStart + 1);
        if (closeQ < 0 || closeQ >= end) return -2;
        vEnd = closeQ + 1;
        if (!interp && vEnd < end && s.charCodeAt(vEnd) !== 32) glued = vEnd;
      } else {
        vEnd = s.indexOf(' ', vStart);
        if (vEnd < 0 || vEnd > end) vEnd = end;
        if (!interp) {
          const g = s.indexOf('=', vStart);
          if (g >= 0 && g < vEnd) {
            const b = this.gluedBoundary(s, vStart, g);
            if (b > vStart || (b === vStart && vStart < g)) {
              glued = b;
              vEnd = b;
            }
          }
        }
      }
      if (!this.onField(s, pos, eq, vStart, vEnd, rec, interp)) return -2;
      if (glued >= 0) return glued;
      pos = vEnd;
    }
    return -1;
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

  /** Stores one field into rec. Returns false when its value is cut short. */
  private onField(s: string, nStart: number, nEnd: number, vStart: number, vEnd: number, rec: AuditRecord, interp: boolean): boolean {
    const len = nEnd - nStart;
    const c0 = s.charCodeAt(nStart);
    if (interp) {
      if (this.kind === Kind.Syscall) {
        if (len === 7 && s.startsWith('SYSCALL', nStart)) rec.interpretedSyscall = s.slice(vStart, vEnd);
        else if (len === 3 && s.startsWith('UID', nStart)) {
          const v = decodeAuditString(s, vStart, vEnd);
          if (typeof v === 'string') rec.interpretedUid = v;
        }
      }
      return true;
    }
    switch (this.kind) {
      case Kind.Syscall:
        switch (len) {
          case 2:
            if (c0 === 97 /* a */) {
              if (s.charCodeAt(nStart + 1) === 49) rec.a1 = s.slice(vStart, vEnd);
              else if (s.charCodeAt(nStart + 1) === 50) rec.a2 = s.slice(vStart, vEnd);
            }
            return true;
          case 3:
            if (s.startsWith('pid', nStart)) rec.pid = parseDecimal(s, vStart, vEnd);
            else if (s.startsWith('uid', nStart)) rec.uid = s.slice(vStart, vEnd);
            else if (s.startsWith('exe', nStart)) {
              const v = decodeAuditString(s, vStart, vEnd);
              if (v === TRUNCATED_VALUE) return false;
              rec.exe = v;
            } else if (s.startsWith('key', nStart)) return this.onKey(s, vStart, vEnd, rec);
            return true;
          case 4:
            if (s.startsWith('arch', nStart)) rec.arch = s.slice(vStart, vEnd);
            else if (s.startsWith('ppid', nStart)) rec.ppid = parseDecimal(s, vStart, vEnd);
            return true;
          case 7:
            if (s.startsWith('syscall', nStart)) {
              rec.syscallNumber = parseDecimal(s, vStart, vEnd);
              this.sawSyscall = rec.syscallNumber >= 0;
            } else if (s.startsWith('success', nStart)) rec.success = s.startsWith('yes', vStart);
            return true;
          default:
            return true;
        }
      case Kind.Path:
        if (len === 4 && s.startsWith('name', nStart)) {
          const v = decodeAuditString(s, vStart, vEnd);
          if (v === TRUNCATED_VALUE) return false;
          rec.name = v;
        } else if (len === 4 && s.startsWith('item', nStart)) {
          rec.item = parseDecimal(s, vStart, vEnd);
          this.sawItem = true;
        } else if ((len === 8 && s.startsWith('nametype', nStart)) || (len === 7 && s.startsWith('objtype', nStart))) {
          // older kernels wrote objtype= for the same thing
          rec.nametype = s.slice(vStart, vEnd);
          this.sawNametype = true;
        }
        return true;
      case Kind.Cwd:
        if (len === 3 && s.startsWith('cwd', nStart)) {
          const v = decodeAuditString(s, vStart, vEnd);
          if (v === TRUNCATED_VALUE) return false;
          rec.cwd = v ?? '';
        }
        return true;
      case Kind.ConfigChange:
        if (len === 3 && s.startsWith('key', nStart)) return this.onKey(s, vStart, vEnd, rec);
        return true;
      default:
        return true;
    }
  }

  private onKey(s: string, vStart: number, vEnd: number, rec: AuditRecord): boolean {
    this.sawKey = true;
    const v = decodeAuditString(s, vStart, vEnd);
    if (v === TRUNCATED_VALUE) return false;
    if (v === undefined || v === '') return true; // key=(null): the rule had no key
    if (v.indexOf(KEY_SEPARATOR) < 0) rec.keys.push(v);
    else for (const k of v.split(KEY_SEPARATOR)) if (k && k !== '(null)') rec.keys.push(k);
    return true;
  }
}
