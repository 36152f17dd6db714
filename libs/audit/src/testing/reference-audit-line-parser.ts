/**
 * The audit line parser as it was before the speed work (per-line byte
 * classification, a full field walk, no hints from the splitter): kept
 * as the reference the fast paths are checked against
 * (audit-fast-path.spec.ts). Test-only; not exported from the library.
 * Changed since only where what a field means changed, the same way as the
 * fast parser: quoted bare values (`success="yes"`) and the initiator exe= of
 * non-SYSCALL records.
 */
import { isUtf8 } from 'node:buffer';
import { ByteStringCache } from '../byte-string-cache';
import { carriesInitiatorExe, isKnownRecordType } from '../audit-record-types';
import { AuditRecord } from '../audit-record';
import { decodeAuditString, TRUNCATED_VALUE } from '../audit-value-decoder';
import { SkipReason } from '../skip-reason';

/** AUDIT_INTERP_SEPARATOR: ENRICHED logs put the interpreted fields after it. */
const INTERP_SEPARATOR = 0x1d;
/** AUDIT_KEY_SEPARATOR: several `-k` keys of one rule are joined with it. */
const KEY_SEPARATOR = '\x01';

/** Per byte: 0 printable ASCII or tab, 1 the interp separator, 2 a control byte, 3 >= 0x80. */
const BYTE_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) BYTE_CLASS[c] = c === 9 || (c >= 0x20 && c < 0x7f) ? 0 : c === INTERP_SEPARATOR ? 1 : c < 0x20 || c === 0x7f ? 2 : 3;

const SPACE = 0x20;
const QUOTE = 0x22;
const EQUALS = 0x3d;

// Anything but printable ASCII, tab and the interp separator needs a closer look (rare path, strings).
const UNUSUAL_BYTE = /[^\x20-\x7e\t\x1d]/;
const CONTROL_BYTE = /[\x00-\x08\x0a-\x1c\x1e\x1f\x7f]/;

/**
 * First interpreted field names per record type. When a copy-pasted log lost
 * the 0x1D byte (`key=(null)ARCH=x86_64`, `cap_fver=0OUID="root"`), the
 * interpreted part is found as an uppercase name glued to the last raw value;
 * preferring these names resolves hex values that end in A-F (`…6CEARCH=`).
 */
const GLUED_INTERP_NAMES = ['SYSCALL', 'SADDR', 'ARCH', 'OUID', 'OGID', 'AUID', 'UID'].map((n) => Buffer.from(n, 'latin1'));

const enum Kind {
  Other,
  Syscall,
  Path,
  Cwd,
  ConfigChange,
  Initiator,
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
      return carriesInitiatorExe(type) ? Kind.Initiator : Kind.Other;
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

const needle = (s: string) => Buffer.from(s, 'latin1');
const N_NODE = needle('node=');
const N_TYPE = needle('type=');
const N_MSG = needle('msg=audit(');
const N_KEY = needle(' key=');
const N_ITEM_NAME = needle('item');
const N_NAME_NAME = needle('name');
const N_NAMETYPE_NAME = needle('nametype');
const N_OBJTYPE_NAME = needle('objtype');
const N_CWD = needle(' cwd=');
const N_EXE = needle(' exe=');
const N_ARCH_NAME = needle('arch');
const N_PPID_NAME = needle('ppid');
const N_SYSCALL_NAME = needle('syscall');
const N_SUCCESS_NAME = needle('success');
const N_I_SYSCALL = needle('SYSCALL=');
const N_I_UID = needle('UID=');
const N_SP_I_SYSCALL = needle(' SYSCALL=');
const N_SP_I_UID = needle(' UID=');

function startsWithAt(b: Buffer, pos: number, end: number, n: Buffer): boolean {
  if (pos < 0 || pos + n.length > end) return false;
  for (let i = 0; i < n.length; i++) if (b[pos + i] !== n[i]) return false;
  return true;
}

/** Decimal digits b[start..end) (at most 15); -1 when empty or not all digits. */
function decimalAt(b: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

interface TypeInfo {
  name: string;
  kind: Kind;
}

const makeType = (b: Buffer, s: number, e: number): TypeInfo | null => {
  const name = latin1(b, s, e);
  return isKnownRecordType(name) ? { name, kind: kindOf(name) } : null;
};
const makeString = (b: Buffer, s: number, e: number): string => latin1(b, s, e);
const makeDecoded = (b: Buffer, s: number, e: number): string | undefined | typeof TRUNCATED_VALUE => {
  const v = latin1(b, s, e);
  return decodeAuditString(v, 0, v.length);
};

/**
 * Parses one audit log line (raw or ENRICHED, optional `node=` prefix) into
 * an AuditRecord, or says why the line is skipped. Never throws.
 *
 * Speed: it works on the bytes (no string per line): only the header is read
 * for records whose content the counting does not use (EXECVE, PROCTITLE,
 * BPRM_FCAPS, ...). For SYSCALL, PATH, CWD and CONFIG_CHANGE the needed fields
 * are found with a byte search for ' name=': kernel records write lowercase
 * names each preceded by a space, and quoted or hex values never contain a
 * space, so the search cannot hit a value; ENRICHED names are uppercase, so
 * they cannot be confused either. Strings are made only for the values kept,
 * and repeated values (exe, paths, users, keys) come from a cache.
 */
export class ReferenceAuditLineParser {
  private readonly types = new ByteStringCache<TypeInfo | null>(512, 64);
  private readonly words = new ByteStringCache<string>(1024, 64);
  private readonly values = new ByteStringCache<string | undefined | typeof TRUNCATED_VALUE>(8192, 512);
  private readonly nodes = new ByteStringCache<string>(256, 256);
  /** The buffer holding the line being parsed, and where the line ends (every search stops there). */
  private b: Buffer = Buffer.alloc(0);
  private end = 0;
  private kind = Kind.Other;
  private fieldsStart = 0;

  /**
   * Parses bytes buf[start..end) (no trailing newline) into `rec`.
   * Returns null on success, 'empty' for a blank line, or a skip reason.
   */
  parse(buf: Buffer, start: number, end: number, rec: AuditRecord): SkipReason | 'empty' | null {
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    if (end === start) return 'empty';
    rec.reset();
    // The header ends at the first ')' (`msg=audit(...):`), looked for in the first 512 bytes.
    let close = start;
    const closeLimit = Math.min(end, start + 513);
    while (close < closeLimit && buf[close] !== 0x29) close++;
    if (close >= closeLimit) close = Math.min(end, start + 512) - 1;
    const headEnd = Math.min(end, close + 2);
    const reason = this.parseHeader(buf, start, headEnd, rec);
    if (reason !== null) return this.classifyBadLine(buf, start, end, reason);
    if (this.kind === Kind.Other) return null; // only the identity matters for other records
    if (this.kind === Kind.Initiator) {
      this.b = buf;
      this.end = end;
      let rawEnd = this.indexOfByte(0x1d, this.fieldsStart);
      if (rawEnd < 0) rawEnd = end;
      const x = this.find(N_EXE, this.fieldsStart - 1, rawEnd);
      if (x >= 0) {
        const e = this.valueEnd(x, rawEnd, false);
        const exe = e < 0 ? undefined : this.values.get(buf, x, e, makeDecoded);
        if (typeof exe === 'string' && exe !== '') rec.exe = exe;
      }
      return null;
    }
    let high = false;
    let sep = -1;
    const from = this.fieldsStart;
    for (let i = start; i < end; i++) {
      const cls = BYTE_CLASS[buf[i]];
      if (cls === 0) continue;
      if (cls === 1) {
        if (sep < 0 && i >= from) sep = i;
      } else if (cls === 2) return 'control-bytes';
      else high = true;
    }
    // Bytes >= 0x80: auditd hex-encodes those in raw fields, but ENRICHED
    // names may be UTF-8. Accept valid UTF-8, reject anything else.
    if (high && !isUtf8(buf.subarray(start, end))) return 'invalid-utf8';
    this.b = buf;
    this.end = end;
    return this.parseFields(from, sep, rec);
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

  /** Reads `[node=N ]type=T msg=audit(<sec>.<ms>:<serial>):` from b[start..end); null when valid. */
  private parseHeader(b: Buffer, start: number, end: number, rec: AuditRecord): SkipReason | null {
    let pos = start;
    if (startsWithAt(b, pos, end, N_NODE)) {
      let sp = pos + 5;
      while (sp < end && b[sp] !== SPACE) sp++;
      if (sp >= end) return 'no-type';
      rec.node = this.nodes.get(b, pos + 5, sp, makeString);
      pos = sp + 1;
    }
    if (!startsWithAt(b, pos, end, N_TYPE)) return 'no-type';
    let typeEnd = pos + 5;
    while (typeEnd < end && b[typeEnd] !== SPACE) typeEnd++;
    if (typeEnd >= end) return 'bad-header';
    const type = this.types.get(b, pos + 5, typeEnd, makeType);
    if (type === null) return 'unknown-type';
    rec.type = type.name;
    pos = typeEnd + 1;
    if (!startsWithAt(b, pos, end, N_MSG)) return 'bad-header';
    pos += 10;
    const idStart = pos;
    // <sec>.<ms>:<serial>):
    let i = pos;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
    if (i >= end || b[i] !== 0x2e) return 'bad-header';
    const sec = decimalAt(b, idStart, i);
    const dot = i;
    i++;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
    if (i >= end || b[i] !== 0x3a || i - dot !== 4) return 'bad-header';
    const ms = decimalAt(b, dot + 1, i);
    const colon = i;
    i++;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
    if (i + 1 >= end || b[i] !== 0x29 || b[i + 1] !== 0x3a) return 'bad-header';
    const serial = decimalAt(b, colon + 1, i);
    if (sec < 0 || ms < 0 || serial < 0) return 'bad-header';
    rec.timestampMs = sec * 1000 + ms;
    rec.serial = serial;
    this.kind = type.kind;
    this.fieldsStart = i + 2;
    return null;
  }

  private parseFields(from: number, sep: number, rec: AuditRecord): SkipReason | null {
    const b = this.b;
    const len = this.end;
    const rawEnd = sep < 0 ? len : sep;
    // The kernel always writes these fields, so a missing one means the line was cut.
    switch (this.kind) {
      case Kind.Syscall: {
        // `key=` is the last raw field of a SYSCALL record; its end is where a
        // glued (separator-less) interpreted part starts.
        let k = Math.min(rawEnd, len - N_KEY.length);
        while (k >= from && !(b[k] === SPACE && startsWithAt(b, k, len, N_KEY))) k--;
        if (k < from) return 'truncated';
        const kEnd = this.valueEnd(k + 5, rawEnd, sep < 0);
        if (kEnd < 0 || !this.onKey(k + 5, kEnd, rec)) return 'truncated';
        const interpStart = sep >= 0 ? sep + 1 : kEnd < len && b[kEnd] !== SPACE ? kEnd : -1;
        const rawLimit = k;
        // One pass over the raw fields: the first ' name=' of each wanted name
        // (a field name always follows a space, so this equals a search per name).
        let vArch = -1,
          vSyscall = -1,
          vSuccess = -1,
          vA1 = -1,
          vA2 = -1,
          vPpid = -1,
          vPid = -1,
          vUid = -1,
          vExe = -1;
        for (let i = from; i < rawLimit; i++) {
          if (b[i] !== SPACE) continue;
          const n0 = i + 1;
          let j = n0;
          while (j < rawLimit && j - n0 < 8 && b[j] !== EQUALS && b[j] !== SPACE) j++;
          if (j >= rawLimit || b[j] !== EQUALS) {
            i = j - 1;
            continue;
          }
          const v = j + 1;
          const c = b[n0];
          switch (j - n0) {
            case 2:
              if (c === 0x61 /* a */) {
                if (b[n0 + 1] === 0x31) vA1 = vA1 < 0 ? v : vA1;
                else if (b[n0 + 1] === 0x32) vA2 = vA2 < 0 ? v : vA2;
              }
              break;
            case 3:
              if (c === 0x70 && b[n0 + 1] === 0x69 && b[n0 + 2] === 0x64) vPid = vPid < 0 ? v : vPid;
              else if (c === 0x75 && b[n0 + 1] === 0x69 && b[n0 + 2] === 0x64) vUid = vUid < 0 ? v : vUid;
              else if (c === 0x65 && b[n0 + 1] === 0x78 && b[n0 + 2] === 0x65) vExe = vExe < 0 ? v : vExe;
              break;
            case 4:
              if (c === 0x61 && startsWithAt(b, n0, j, N_ARCH_NAME)) vArch = vArch < 0 ? v : vArch;
              else if (c === 0x70 && startsWithAt(b, n0, j, N_PPID_NAME)) vPpid = vPpid < 0 ? v : vPpid;
              break;
            case 7:
              if (c === 0x73 && startsWithAt(b, n0, j, N_SYSCALL_NAME)) vSyscall = vSyscall < 0 ? v : vSyscall;
              else if (c === 0x73 && startsWithAt(b, n0, j, N_SUCCESS_NAME)) vSuccess = vSuccess < 0 ? v : vSuccess;
              break;
          }
          i = j;
        }
        const unq = (v: number): [number, number] => {
          const e = this.bareEnd(v, rawLimit);
          return b[v] === 0x22 && e - v >= 2 && b[e - 1] === 0x22 ? [v + 1, e - 1] : [v, e];
        };
        let v = vArch;
        if (v >= 0) rec.arch = this.words.get(b, ...unq(v), makeString);
        v = vSyscall;
        if (v < 0) return 'truncated';
        rec.syscallNumber = decimalAt(b, ...unq(v));
        if (rec.syscallNumber < 0) return 'truncated';
        v = vSuccess;
        if (v >= 0) {
          const s = unq(v)[0];
          rec.success = b[s] === 0x79 && b[s + 1] === 0x65 && b[s + 2] === 0x73 && s + 3 <= len; // "yes"
        }
        v = vA1;
        if (v >= 0) rec.a1 = this.words.get(b, v, this.bareEnd(v, rawLimit), makeString);
        v = vA2;
        if (v >= 0) rec.a2 = this.words.get(b, v, this.bareEnd(v, rawLimit), makeString);
        v = vPpid;
        if (v >= 0) rec.ppid = decimalAt(b, ...unq(v));
        v = vPid;
        if (v >= 0) rec.pid = decimalAt(b, ...unq(v));
        v = vUid;
        if (v >= 0) rec.uid = this.words.get(b, ...unq(v), makeString);
        v = vExe;
        if (v >= 0) {
          const e = this.valueEnd(v, rawLimit, false);
          if (e < 0) return 'truncated';
          const exe = this.values.get(b, v, e, makeDecoded);
          if (exe === TRUNCATED_VALUE) return 'truncated';
          rec.exe = exe;
        }
        if (interpStart >= 0) {
          v = this.findInterp(N_I_SYSCALL, N_SP_I_SYSCALL, interpStart, len);
          if (v >= 0) rec.interpretedSyscall = this.words.get(b, v, this.bareEnd(v, len), makeString);
          v = this.findInterp(N_I_UID, N_SP_I_UID, interpStart, len);
          if (v >= 0) {
            const e = this.valueEnd(v, len, false);
            const uid = e < 0 ? undefined : this.values.get(b, v, e, makeDecoded);
            if (typeof uid === 'string') rec.interpretedUid = uid;
          }
        }
        return null;
      }
      case Kind.Path: {
        // One pass for the first ' item=', ' name=', ' nametype=' and ' objtype=' (as in SYSCALL).
        let item = -1,
          n = -1,
          vNametype = -1,
          vObjtype = -1;
        for (let i = from; i < rawEnd; i++) {
          if (b[i] !== SPACE) continue;
          const n0 = i + 1;
          let j = n0;
          while (j < rawEnd && j - n0 < 8 && b[j] !== EQUALS && b[j] !== SPACE) j++;
          if (j >= rawEnd || b[j] !== EQUALS) {
            i = j - 1;
            continue;
          }
          const len4 = j - n0;
          if (len4 === 4 && b[n0] === 0x69 && startsWithAt(b, n0, j, N_ITEM_NAME)) item = item < 0 ? j + 1 : item;
          else if (len4 === 4 && b[n0] === 0x6e && startsWithAt(b, n0, j, N_NAME_NAME)) n = n < 0 ? j + 1 : n;
          else if (len4 === 8 && b[n0] === 0x6e && startsWithAt(b, n0, j, N_NAMETYPE_NAME)) vNametype = vNametype < 0 ? j + 1 : vNametype;
          else if (len4 === 7 && b[n0] === 0x6f && startsWithAt(b, n0, j, N_OBJTYPE_NAME)) vObjtype = vObjtype < 0 ? j + 1 : vObjtype;
          i = j;
        }
        if (item < 0) return 'truncated';
        rec.item = decimalAt(b, item, this.bareEnd(item, rawEnd));
        const nt = vNametype >= 0 ? vNametype : vObjtype; // objtype: older kernels
        if (nt < 0) return 'truncated';
        rec.nametype = this.words.get(b, nt, this.upperEnd(nt, rawEnd), makeString);
        if (n >= 0) {
          const e = this.valueEnd(n, rawEnd, false);
          if (e < 0) return 'truncated';
          const name = this.values.get(b, n, e, makeDecoded);
          if (name === TRUNCATED_VALUE) return 'truncated';
          rec.name = name;
        }
        return null;
      }
      case Kind.Cwd: {
        const c = this.find(N_CWD, from - 1, rawEnd);
        if (c < 0) return 'truncated';
        const e = this.valueEnd(c, rawEnd, sep < 0);
        if (e < 0) return 'truncated';
        const cwd = this.values.get(b, c, e, makeDecoded);
        if (cwd === TRUNCATED_VALUE) return 'truncated';
        rec.cwd = cwd ?? '';
        return null;
      }
      case Kind.ConfigChange: {
        const k = this.find(N_KEY, from - 1, rawEnd);
        if (k >= 0) {
          const e = this.valueEnd(k, rawEnd, sep < 0);
          if (e < 0 || !this.onKey(k, e, rec)) return 'truncated';
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** Start of the value of raw field `n` (' name=') in the line from `from`, or -1 when not before `end`. */
  private find(n: Buffer, from: number, end: number): number {
    const b = this.b;
    const first = n[0];
    const last = Math.min(end, this.end) - n.length;
    for (let i = Math.max(from, 0); i <= last; i++) {
      if (b[i] !== first) continue;
      let j = 1;
      while (j < n.length && b[i + j] === n[j]) j++;
      if (j === n.length) return i + n.length;
    }
    return -1;
  }

  /** First index of byte `c` in the line from `from`, or -1. */
  private indexOfByte(c: number, from: number): number {
    const b = this.b;
    const end = this.end;
    for (let i = from; i < end; i++) if (b[i] === c) return i;
    return -1;
  }

  /** Start of the value of interpreted field `name=` (at the start or after a space), or -1. */
  private findInterp(n: Buffer, spaced: Buffer, from: number, end: number): number {
    if (startsWithAt(this.b, from, this.end, n)) return from + n.length;
    return this.find(spaced, from, end);
  }

  /** End of a bare value (next space or end). */
  private bareEnd(v: number, end: number): number {
    const sp = this.indexOfByte(SPACE, v);
    return sp < 0 || sp > end ? end : sp;
  }

  /** End of an uppercase word such as NORMAL, so a glued `OUID=` after it is not included. */
  private upperEnd(v: number, end: number): number {
    const b = this.b;
    let i = v;
    while (i < end && isUpperOrUnderscore(b[i])) i++;
    // A glued interp name right after (NORMALOUID=) belongs to the interp part.
    if (i < end && b[i] === EQUALS) {
      for (const name of GLUED_INTERP_NAMES) if (i - name.length > v && startsWithAt(b, i - name.length, this.end, name)) return i - name.length;
    }
    return i;
  }

  /**
   * End of the value starting at v: past the closing quote, or the next
   * space. With `detectGlue`, an uppercase interpreted name glued to the
   * value ends it. Returns -1 for an unterminated quote.
   */
  private valueEnd(v: number, end: number, detectGlue: boolean): number {
    const b = this.b;
    if (b[v] === QUOTE) {
      const close = this.indexOfByte(QUOTE, v + 1);
      return close < 0 || close >= end ? -1 : close + 1;
    }
    const e = this.bareEnd(v, end);
    if (detectGlue) {
      const g = this.indexOfByte(EQUALS, v);
      if (g >= 0 && g < e) {
        const gb = this.gluedBoundary(v, g);
        if (gb >= v) return gb;
      }
    }
    return e;
  }

  /** Start of an uppercase interpreted name that ends at `eq` inside a bare value, or -1. */
  private gluedBoundary(vStart: number, eq: number): number {
    const b = this.b;
    let i = eq;
    while (i > vStart && isUpperOrUnderscore(b[i - 1])) i--;
    if (i === eq) return -1;
    for (const name of GLUED_INTERP_NAMES) {
      if (eq - i >= name.length && startsWithAt(b, eq - name.length, this.end, name)) return eq - name.length;
    }
    return i;
  }

  private onKey(vStart: number, vEnd: number, rec: AuditRecord): boolean {
    const v = this.values.get(this.b, vStart, vEnd, makeDecoded);
    if (v === TRUNCATED_VALUE) return false;
    if (v === undefined || v === '') return true; // key=(null): the rule had no key
    if (v.indexOf(KEY_SEPARATOR) < 0) rec.keys.push(v);
    else for (const k of v.split(KEY_SEPARATOR)) if (k && k !== '(null)') rec.keys.push(k);
    return true;
  }
}
