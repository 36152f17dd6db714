import { isUtf8 } from 'node:buffer';
import { ByteStringCache } from './byte-string-cache';
import { carriesInitiatorExe, isKnownRecordType } from './audit-record-types';
import { AuditRecord } from './audit-record';
import { LINE_UNSCANNED } from './line-byte-scan';
import { decodeAuditString, TRUNCATED_VALUE } from './audit-value-decoder';
import { SkipReason } from './skip-reason';

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
  /** A non-SYSCALL record whose `exe=` names the program behind the event (user-space messages, SECCOMP, ANOM_*). */
  Initiator,
}

interface TypeInfo {
  name: string;
  kind: Kind;
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

/**
 * latin1(b, s, e) for short values without the native call, which costs more
 * than the string for values like syscall args (new on every record, so not
 * worth caching). One call per length, a line each (kept out of the formatter).
 */
// prettier-ignore
function shortLatin1(b: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[s]);
    case 2:
      return String.fromCharCode(b[s], b[s + 1]);
    case 3:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2]);
    case 4:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    case 16:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
    default:
      return latin1(b, s, e);
  }
}

/**
 * Some captures quote values the kernel writes bare (`success="yes"`,
 * `tty="(none)"`, `dev="00:2f"`): `unquote` sets [uqStart, uqEnd) to the value
 * b[v..e) without its quotes when it is quoted on both sides, else to itself
 * (module fields instead of a returned pair: no allocation per field).
 */
let uqStart = 0;
let uqEnd = 0;
function unquote(b: Buffer, v: number, e: number): void {
  if (b[v] === QUOTE && e - v >= 2 && b[e - 1] === QUOTE) {
    uqStart = v + 1;
    uqEnd = e - 1;
  } else {
    uqStart = v;
    uqEnd = e;
  }
}

function isUpperOrUnderscore(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 95;
}

const needle = (s: string) => Buffer.from(s, 'latin1');
const N_NODE = needle('node=');
const MAX_REMEMBERED_NODE = 256;
const N_TYPE = needle('type=');
const N_MSG = needle('msg=audit(');
const N_KEY = needle(' key=');
const N_ITEM_NAME = needle('item');
const N_NAME_NAME = needle('name');
const N_NAMETYPE_NAME = needle('nametype');
const N_OBJTYPE_NAME = needle('objtype');
const N_CWD = needle(' cwd=');
const N_EXE = needle(' exe=');
const N_SYSCALL_NAME = needle('syscall');
const N_SUCCESS_NAME = needle('success');
const N_I_SYSCALL = needle('SYSCALL=');
const N_I_UID = needle('UID=');
const N_SP_I_SYSCALL = needle(' SYSCALL=');
const N_SP_I_UID = needle(' UID=');

/** The record types of nearly every line, recognised without a cache lookup. */
const HOT_TYPES: Array<{ bytes: Buffer; info: TypeInfo } | undefined> = new Array(16 * 128).fill(undefined);
for (const name of ['SYSCALL', 'PATH', 'CWD', 'PROCTITLE', 'EXECVE', 'EOE', 'CONFIG_CHANGE', 'BPRM_FCAPS', 'SOCKADDR']) {
  // At most one per (length, first letter).
  HOT_TYPES[name.length * 128 + name.charCodeAt(0)] = { bytes: Buffer.from(name, 'latin1'), info: { name, kind: kindOf(name) } };
}

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
 *
 * Faster still with the splitter's byte scan (`scan`): a plain line is not
 * classified byte by byte again. The usual header is read without first
 * looking for its end, and the field walks stop once every wanted field is
 * found. Each shortcut gives exactly what the plain reading gives
 * (audit-fast-path.spec.ts checks it against the parser as it was before,
 * testing/reference-audit-line-parser.ts).
 */
export class AuditLineParser {
  private readonly types = new ByteStringCache<TypeInfo | null>(512, 64);
  private readonly words = new ByteStringCache<string>(1024, 64);
  private readonly values = new ByteStringCache<string | undefined | typeof TRUNCATED_VALUE>(8192, 256);
  private readonly nodes = new ByteStringCache<string>(256, 256);
  /** The buffer holding the line being parsed, and where the line ends (every search stops there). */
  private b: Buffer = Buffer.alloc(0);
  private end = 0;
  private kind = Kind.Other;
  private fieldsStart = 0;
  /** The node= name of the previous line (bytes, length, string): usually the same one again. */
  private readonly lastNodeKey = new Uint8Array(MAX_REMEMBERED_NODE);
  private lastNodeLength = 0;
  private lastNode = '';

  /**
   * Parses bytes buf[start..end) (no trailing newline) into `rec`.
   * Returns null on success, 'empty' for a blank line, or a skip reason.
   * `scan` is what the splitter found out about the bytes (line-byte-scan.ts);
   * when it says the line is plain the parser does not look at every byte.
   */
  parse(buf: Buffer, start: number, end: number, rec: AuditRecord, scan = LINE_UNSCANNED): SkipReason | 'empty' | null {
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    if (end === start) return 'empty';
    rec.reset();
    if (!this.parseUsualHeader(buf, start, end, rec)) {
      // The header ends at the first ')' (`msg=audit(...):`), looked for in the first 512 bytes.
      rec.reset();
      let close = start;
      const closeLimit = Math.min(end, start + 513);
      while (close < closeLimit && buf[close] !== 0x29) close++;
      if (close >= closeLimit) close = Math.min(end, start + 512) - 1;
      const headEnd = Math.min(end, close + 2);
      const reason = this.parseHeader(buf, start, headEnd, rec);
      if (reason !== null) return this.classifyBadLine(buf, start, end, reason);
    }
    if (this.kind === Kind.Other) return null; // only the identity matters for other records
    const from = this.fieldsStart;
    this.b = buf;
    this.end = end;
    // Only the exe of these matters: their other bytes are not checked (as before they were read).
    if (this.kind === Kind.Initiator) return this.parseInitiator(from, rec);
    if (scan !== LINE_UNSCANNED) {
      // Plain bytes: only the separator matters (the first one after the header).
      let sep = scan;
      if (sep >= 0 && sep < from) {
        sep = buf.indexOf(INTERP_SEPARATOR, from);
        if (sep >= end) sep = -1;
      }
      return this.parseFields(from, sep, rec);
    }
    let high = false;
    let sep = -1;
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

  /**
   * The common case of parseHeader, without first looking for the header's
   * end: true when the line has a valid header and no ')' before its
   * `msg=audit(...)` close within the first 513 bytes, which is exactly when
   * parseHeader on the bounded header would accept it, with the same result.
   * False means "let parseHeader decide" (rec may be partly filled).
   */
  private parseUsualHeader(b: Buffer, start: number, end: number, rec: AuditRecord): boolean {
    let pos = start;
    if (b[pos] === 0x6e /* n */) {
      if (!startsWithAt(b, pos, end, N_NODE)) return false;
      const ns = pos + 5;
      const last = this.lastNodeKey;
      const ln = this.lastNodeLength;
      let sp = ns + ln;
      let same = ln > 0 && sp < end && b[sp] === SPACE;
      for (let k = 0; same && k < ln; k++) same = b[ns + k] === last[k];
      if (same) {
        rec.node = this.lastNode;
      } else {
        sp = ns;
        while (sp < end && b[sp] !== SPACE) {
          if (b[sp] === 0x29) return false;
          sp++;
        }
        if (sp >= end) return false;
        rec.node = this.nodes.get(b, ns, sp, makeString);
        if (sp - ns <= MAX_REMEMBERED_NODE) {
          for (let k = ns; k < sp; k++) last[k - ns] = b[k];
          this.lastNodeLength = sp - ns;
          this.lastNode = rec.node;
        }
      }
      pos = sp + 1;
    }
    if (pos + 5 > end || b[pos] !== 0x74 || b[pos + 1] !== 0x79 || b[pos + 2] !== 0x70 || b[pos + 3] !== 0x65 || b[pos + 4] !== EQUALS) return false;
    const ts = pos + 5;
    let te = ts;
    while (te < end && b[te] !== SPACE) {
      if (b[te] === 0x29) return false;
      te++;
    }
    if (te >= end) return false;
    let type: TypeInfo | null = null;
    const hot = te - ts < 16 && b[ts] < 128 ? HOT_TYPES[(te - ts) * 128 + b[ts]] : undefined;
    if (hot !== undefined) {
      const t = hot.bytes;
      let k = 1;
      while (k < t.length && t[k] === b[ts + k]) k++;
      if (k === t.length) type = hot.info;
    }
    if (type === null) type = this.types.get(b, ts, te, makeType);
    if (type === null) return false;
    pos = te + 1;
    if (!startsWithAt(b, pos, end, N_MSG)) return false;
    // <sec>.<ms>:<serial>):
    let i = pos + 10;
    let sec = 0;
    let d = 0;
    while (i < end && (d = b[i] - 48) >= 0 && d <= 9) {
      sec = sec * 10 + d;
      i++;
    }
    if (i === pos + 10 || i - pos - 10 > 15 || i >= end || b[i] !== 0x2e) return false;
    const dot = i;
    i++;
    if (i + 3 >= end) return false;
    const d0 = b[i] - 48,
      d1 = b[i + 1] - 48,
      d2 = b[i + 2] - 48;
    if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || b[i + 3] !== 0x3a) return false;
    i += 4;
    const colon = dot + 4;
    let serial = 0;
    while (i < end && (d = b[i] - 48) >= 0 && d <= 9) {
      serial = serial * 10 + d;
      i++;
    }
    if (i === colon + 1 || i - colon - 1 > 15 || i + 1 >= end || b[i] !== 0x29 || b[i + 1] !== 0x3a || i >= start + 513) return false;
    rec.type = type.name;
    rec.timestampMs = sec * 1000 + (d0 * 100 + d1 * 10 + d2);
    rec.serial = serial;
    this.kind = type.kind;
    this.fieldsStart = i + 2;
    return true;
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
        // Each space is looked at, and the name after it told by its first byte.
        let vArch = -1,
          vSyscall = -1,
          vSuccess = -1,
          vA1 = -1,
          vA2 = -1,
          vPpid = -1,
          vPid = -1,
          vUid = -1,
          vExe = -1;
        let missing = 9;
        for (let i = from; missing > 0; i++) {
          while (b[i] !== SPACE) i++; // stops at rawLimit at the latest: b[k] is a space
          if (i >= rawLimit) break;
          // ' a1=' needs its '=' (i + 3) before rawLimit, and so on.
          switch (b[i + 1]) {
            case 0x61: // a
              if (i + 3 < rawLimit && b[i + 3] === EQUALS) {
                const c = b[i + 2];
                if (c === 0x31 && vA1 < 0) {
                  vA1 = i + 4;
                  missing--;
                } else if (c === 0x32 && vA2 < 0) {
                  vA2 = i + 4;
                  missing--;
                }
              } else if (vArch < 0 && i + 5 < rawLimit && b[i + 5] === EQUALS && b[i + 2] === 0x72 && b[i + 3] === 0x63 && b[i + 4] === 0x68) {
                vArch = i + 6;
                missing--;
              }
              break;
            case 0x73: // s
              if (i + 8 < rawLimit && b[i + 8] === EQUALS) {
                if (vSyscall < 0 && startsWithAt(b, i + 1, rawLimit, N_SYSCALL_NAME)) {
                  vSyscall = i + 9;
                  missing--;
                } else if (vSuccess < 0 && startsWithAt(b, i + 1, rawLimit, N_SUCCESS_NAME)) {
                  vSuccess = i + 9;
                  missing--;
                }
              }
              break;
            case 0x70: // p
              if (i + 4 < rawLimit && b[i + 4] === EQUALS && b[i + 2] === 0x69 && b[i + 3] === 0x64) {
                if (vPid < 0) {
                  vPid = i + 5;
                  missing--;
                }
              } else if (vPpid < 0 && i + 5 < rawLimit && b[i + 5] === EQUALS && b[i + 2] === 0x70 && b[i + 3] === 0x69 && b[i + 4] === 0x64) {
                vPpid = i + 6;
                missing--;
              }
              break;
            case 0x75: // u
              if (vUid < 0 && i + 4 < rawLimit && b[i + 4] === EQUALS && b[i + 2] === 0x69 && b[i + 3] === 0x64) {
                vUid = i + 5;
                missing--;
              }
              break;
            case 0x65: // e
              if (vExe < 0 && i + 4 < rawLimit && b[i + 4] === EQUALS && b[i + 2] === 0x78 && b[i + 3] === 0x65) {
                vExe = i + 5;
                missing--;
              }
              break;
          }
        }
        let v = vArch;
        if (v >= 0) {
          unquote(b, v, this.bareEnd(v, rawLimit));
          rec.arch = this.words.get(b, uqStart, uqEnd, makeString);
        }
        v = vSyscall;
        if (v < 0) return 'truncated';
        unquote(b, v, this.bareEnd(v, rawLimit));
        rec.syscallNumber = decimalAt(b, uqStart, uqEnd);
        if (rec.syscallNumber < 0) return 'truncated';
        v = vSuccess;
        if (v >= 0) {
          if (b[v] === QUOTE) unquote(b, v, this.bareEnd(v, rawLimit));
          else uqStart = v;
          const s = uqStart;
          rec.success = b[s] === 0x79 && b[s + 1] === 0x65 && b[s + 2] === 0x73 && s + 3 <= len; // "yes"
        }
        v = vA1;
        // a1/a2 are mostly user-space pointers, different every time: no cache.
        if (v >= 0) rec.a1 = shortLatin1(b, v, this.bareEnd(v, rawLimit));
        v = vA2;
        if (v >= 0) rec.a2 = shortLatin1(b, v, this.bareEnd(v, rawLimit));
        v = vPpid;
        if (v >= 0) {
          unquote(b, v, this.bareEnd(v, rawLimit));
          rec.ppid = decimalAt(b, uqStart, uqEnd);
        }
        v = vPid;
        if (v >= 0) {
          unquote(b, v, this.bareEnd(v, rawLimit));
          rec.pid = decimalAt(b, uqStart, uqEnd);
        }
        v = vUid;
        if (v >= 0) {
          unquote(b, v, this.bareEnd(v, rawLimit));
          rec.uid = this.words.get(b, uqStart, uqEnd, makeString);
        }
        v = vExe;
        if (v >= 0) {
          const e = this.valueEnd(v, rawLimit, false);
          if (e < 0) return 'truncated';
          const exe = this.values.get(b, v, e, makeDecoded);
          if (exe === TRUNCATED_VALUE) return 'truncated';
          rec.exe = exe;
        }
        if (interpStart >= 0) {
          // One pass for SYSCALL= and UID= (each at the start or after a space, first one wins).
          let vIS = startsWithAt(b, interpStart, len, N_I_SYSCALL) ? interpStart + 8 : -1;
          let vIU = startsWithAt(b, interpStart, len, N_I_UID) ? interpStart + 4 : -1;
          for (let i = interpStart; i < len && (vIS < 0 || vIU < 0); i++) {
            if (b[i] !== SPACE) continue;
            const c = b[i + 1];
            if (c === 0x53 /* S */) {
              if (vIS < 0 && startsWithAt(b, i, len, N_SP_I_SYSCALL)) vIS = i + 9;
            } else if (c === 0x55 /* U */) {
              if (vIU < 0 && startsWithAt(b, i, len, N_SP_I_UID)) vIU = i + 5;
            }
          }
          v = vIS;
          if (v >= 0) rec.interpretedSyscall = this.words.get(b, v, this.bareEnd(v, len), makeString);
          v = vIU;
          if (v >= 0) {
            const e = this.valueEnd(v, len, false);
            const uid = e < 0 ? undefined : this.values.get(b, v, e, makeDecoded);
            if (typeof uid === 'string') rec.interpretedUid = uid;
          }
        }
        return null;
      }
      case Kind.Path: {
        // One pass for the first ' item=', ' name=', ' nametype=' and ' objtype=' (as in SYSCALL);
        // objtype (older kernels) only matters without nametype.
        let item = -1,
          n = -1,
          vNametype = -1,
          vObjtype = -1;
        for (let i = from; i < rawEnd; i++) {
          while (i < rawEnd && b[i] !== SPACE) i++;
          if (i >= rawEnd) break;
          const c = b[i + 1];
          if (c === 0x6e /* n */) {
            if (i + 5 < rawEnd && b[i + 5] === EQUALS) {
              if (n < 0 && startsWithAt(b, i + 1, rawEnd, N_NAME_NAME)) n = i + 6;
            } else if (vNametype < 0 && i + 9 < rawEnd && b[i + 9] === EQUALS && startsWithAt(b, i + 1, rawEnd, N_NAMETYPE_NAME)) {
              vNametype = i + 10;
            }
          } else if (c === 0x69 /* i */) {
            if (item < 0 && i + 5 < rawEnd && b[i + 5] === EQUALS && startsWithAt(b, i + 1, rawEnd, N_ITEM_NAME)) item = i + 6;
          } else if (c === 0x6f /* o */) {
            if (vObjtype < 0 && i + 8 < rawEnd && b[i + 8] === EQUALS && startsWithAt(b, i + 1, rawEnd, N_OBJTYPE_NAME)) vObjtype = i + 9;
          }
          if (vNametype >= 0 && item >= 0 && n >= 0) break;
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

  /** The first ` exe=` of the raw part (inside msg='...' for user-space records), as aureport -x reads it. */
  private parseInitiator(from: number, rec: AuditRecord): null {
    let rawEnd = this.indexOfByte(INTERP_SEPARATOR, from);
    if (rawEnd < 0) rawEnd = this.end;
    const x = this.find(N_EXE, from - 1, rawEnd);
    if (x < 0) return null;
    const e = this.valueEnd(x, rawEnd, false);
    const exe = e < 0 ? undefined : this.values.get(this.b, x, e, makeDecoded);
    if (typeof exe === 'string' && exe !== '') rec.exe = exe;
    return null;
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
    const b = this.b;
    // key=(null), on most records: no key (as decodeAuditString says, without the cache lookup).
    if (
      vEnd - vStart === 6 &&
      b[vStart] === 0x28 &&
      b[vStart + 1] === 0x6e &&
      b[vStart + 2] === 0x75 &&
      b[vStart + 3] === 0x6c &&
      b[vStart + 4] === 0x6c &&
      b[vStart + 5] === 0x29
    )
      return true;
    const v = this.values.get(b, vStart, vEnd, makeDecoded);
    if (v === TRUNCATED_VALUE) return false;
    if (v === undefined || v === '') return true; // key=(null): the rule had no key
    if (v.indexOf(KEY_SEPARATOR) < 0) {
      if (rec.keys.length === 0) rec.keys = [v];
      else rec.keys.push(v);
    } else for (const k of v.split(KEY_SEPARATOR)) if (k && k !== '(null)') rec.keys.push(k);
    return true;
  }
}
