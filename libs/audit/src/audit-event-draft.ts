import { AuditRecord, eventIdOf } from './audit-record';

export interface AuditPathItem {
  name: string;
  nametype: string;
}

/** JSON-safe state of an open event draft. */
export type AuditEventDraftSnapshot = {
  [K in keyof AuditEventDraft as AuditEventDraft[K] extends (...args: never[]) => unknown ? never : K extends 'id' ? never : K]: AuditEventDraft[K];
};

/** Bounds per event so one pathological event cannot grow memory without limit. */
const MAX_PATHS_PER_EVENT = 256;
const MAX_KEYS_PER_EVENT = 64;

/**
 * What the interpreter needs from the records of one event, accumulated as
 * records arrive (records are not kept).
 */
export class AuditEventDraft {
  hasSyscall = false;
  arch = '';
  syscallNumber = -1;
  interpretedSyscall = '';
  success = false;
  a1 = '';
  a2 = '';
  pid = -1;
  ppid = -1;
  uid = '';
  interpretedUid = '';
  exe: string | undefined = undefined;
  /**
   * exe= of the event's last record that names one, SYSCALL or not (user-space
   * messages, SECCOMP, NETFILTER_CFG, ...): the program aureport -x counts the
   * event for (ausearch's parser keeps the last exe it reads).
   */
  initiator: string | undefined = undefined;
  cwd: string | undefined = undefined;
  keys: string[] | undefined = undefined;
  paths: AuditPathItem[] | undefined = undefined;
  records = 0;
  /** Set once the event has been emitted (the assembler's bookkeeping). */
  closed = false;

  /** Plain-data copy (for a checkpoint); `fromSnapshot` gives back an equal draft. */
  snapshot(): AuditEventDraftSnapshot {
    return { ...this, keys: this.keys && [...this.keys], paths: this.paths && this.paths.map((p) => ({ ...p })) };
  }

  static fromSnapshot(s: AuditEventDraftSnapshot): AuditEventDraft {
    const d = new AuditEventDraft(String(s.node), Number(s.timestampMs), Number(s.serial));
    const { node: _n, timestampMs: _ts, serial: _s, ...rest } = s;
    Object.assign(d, rest);
    return d;
  }

  constructor(
    readonly node: string,
    readonly timestampMs: number,
    readonly serial: number,
  ) {}

  /** `[node ]<sec>.<ms>:<serial>` */
  get id(): string {
    return eventIdOf(this.node, this.timestampMs, this.serial);
  }

  merge(rec: AuditRecord): void {
    this.records++;
    switch (rec.type) {
      case 'SYSCALL':
        this.hasSyscall = true;
        this.arch = rec.arch;
        this.syscallNumber = rec.syscallNumber;
        this.interpretedSyscall = rec.interpretedSyscall;
        this.success = rec.success === true;
        this.a1 = rec.a1;
        this.a2 = rec.a2;
        this.pid = rec.pid;
        this.ppid = rec.ppid;
        this.uid = rec.uid;
        this.interpretedUid = rec.interpretedUid;
        this.exe = rec.exe;
        if (rec.exe !== undefined) this.initiator = rec.exe;
        this.addKeys(rec.keys);
        break;
      case 'CONFIG_CHANGE':
        // aureport -k counts the key of rule add/remove events too.
        this.addKeys(rec.keys);
        break;
      case 'PATH':
        if (rec.name !== undefined && rec.name !== '') {
          const item = { name: rec.name, nametype: rec.nametype };
          // Events hold a few items: exact-size arrays while small (a push
          // would allocate 17 slots), pushes past that.
          const paths = this.paths;
          if (paths === undefined) this.paths = [item];
          else if (paths.length === 1) this.paths = [paths[0], item];
          else if (paths.length === 2) this.paths = [paths[0], paths[1], item];
          else if (paths.length < MAX_PATHS_PER_EVENT) paths.push(item);
        }
        break;
      case 'CWD':
        this.cwd = rec.cwd;
        break;
      default:
        if (rec.exe !== undefined) this.initiator = rec.exe;
    }
  }

  /**
   * Keys are not de-duplicated: aureport -k counts every key of every
   * keyed record of an event, so an event holding two SYSCALL records with
   * the same key counts it twice there too.
   */
  private addKeys(keys: string[]): void {
    if (keys.length === 0) return;
    if (this.keys === undefined) {
      this.keys = keys.slice(0, MAX_KEYS_PER_EVENT);
      return;
    }
    const mine = this.keys;
    for (const k of keys) if (mine.length < MAX_KEYS_PER_EVENT) mine.push(k);
  }
}
