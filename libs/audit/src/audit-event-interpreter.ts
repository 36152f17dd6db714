import { posix } from 'node:path';
import type { FileOp, ObservedEvent, ObservedExec, ObservedFile } from '@fleettune/counting';
import { AuditEventDraft, AuditPathItem } from './audit-event-draft';
import { parseHexNumber } from './audit-value-decoder';
import { EXEC_SYSCALLS, syscallName } from './syscall-names';
import { ProcessExeMap } from './process-exe-map';

const RENAME_SYSCALLS: ReadonlySet<string> = new Set(['rename', 'renameat', 'renameat2']);

/** Syscalls that look at a path without changing it: a NORMAL item of theirs is an 'open'. */
const READ_ONLY_SYSCALLS: ReadonlySet<string> = new Set([
  'stat',
  'lstat',
  'newfstatat',
  'fstatat64',
  'statx',
  'access',
  'faccessat',
  'faccessat2',
  'readlink',
  'readlinkat',
  'getxattr',
  'lgetxattr',
  'listxattr',
  'llistxattr',
  'chdir',
  'statfs',
  'uselib',
  'connect',
  'open_by_handle_at',
  'name_to_handle_at',
  'openat2',
]);

// open(2) flag bits (same values on x86_64, aarch64 and i386).
const O_ACCMODE = 0x3;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;

export interface AuditEventInterpreterOptions {
  /** Capacity of the pid -> exe map used to name exec parents. */
  maxTrackedProcesses?: number;
}

/**
 * Turns an assembled audit event into the product's ObservedEvent.
 *
 * - exec: a successful execve/execveat with an `exe=` (what
 *   `ausearch -sc execve -sv yes | aureport -x` counts). user is the ENRICHED
 *   UID= name, else the numeric uid; parentPath is the exe last seen for the
 *   ppid in an earlier SYSCALL record, '' when unknown.
 * - files: PATH items of non-exec events (an exec's PATH items are just the
 *   binary and its loader). CREATE -> create, DELETE -> delete; a rename
 *   (rename* syscall, or DELETE+CREATE in one event) is ONE 'rename' on the
 *   new path. NORMAL/UNKNOWN items: open/openat/creat count as 'modify' when
 *   the flags ask for write access, O_CREAT or O_TRUNC, else 'open';
 *   read-only syscalls (stat, access, readlink, ...) give 'open'; any other
 *   syscall (chmod, truncate, setxattr, utimensat, ...) gives 'modify'.
 *   PARENT items are ignored unless they are the only items. Relative names
 *   are joined with the event's CWD. One entry per distinct (path, op).
 * - keys: the audit keys of the event (SYSCALL and CONFIG_CHANGE records).
 * - syscall: name from the arch table (as aureport -i), else ENRICHED SYSCALL=.
 * - initiator: the exe= of the event's last record naming one (SYSCALL,
 *   user-space messages, SECCOMP, ANOM_*, NETFILTER_CFG): what aureport -x counts.
 */
export class AuditEventInterpreter {
  private readonly exeByPid: ProcessExeMap;

  constructor(options: AuditEventInterpreterOptions = {}) {
    this.exeByPid = new ProcessExeMap(options.maxTrackedProcesses ?? 65536);
  }

  /** pid -> exe entries, oldest first (for a checkpoint). */
  processes(): Array<[number, string]> {
    return this.exeByPid.entries();
  }

  /** Forgets every entry (see AuditLogReader.forgetProcesses). */
  clearProcesses(): void {
    this.exeByPid.clear();
  }

  /** Re-learns entries saved by `processes()`. */
  restoreProcesses(entries: Array<[number, string]>): void {
    for (const [pid, exe] of entries) this.exeByPid.set(pid, exe);
  }

  interpret(d: AuditEventDraft): ObservedEvent {
    const timestampMs = d.timestampMs;
    const keys = d.keys ?? [];
    const initiator = d.initiator;
    if (!d.hasSyscall) return initiator === undefined ? { timestampMs, files: [], keys } : { timestampMs, files: [], keys, initiator };

    const name = syscallName(d.arch, d.syscallNumber) || d.interpretedSyscall || (d.syscallNumber >= 0 ? String(d.syscallNumber) : '');

    let exec: ObservedExec | undefined;
    let files: ObservedFile[] = [];
    const isExecSyscall = EXEC_SYSCALLS.has(name);
    if (isExecSyscall) {
      if (d.success && d.exe) {
        exec = {
          path: d.exe,
          parentPath: (d.ppid >= 0 && this.exeByPid.get(d.ppid)) || '',
          user: d.interpretedUid || d.uid,
          pid: d.pid >= 0 ? d.pid : undefined,
          ppid: d.ppid >= 0 ? d.ppid : undefined,
        };
      }
    } else if (d.paths) {
      files = this.filesOf(d, name, d.paths);
    }
    // Learn after naming the parent: an exec replaces the pid's image.
    if (d.pid >= 0 && d.exe) this.exeByPid.set(d.pid, d.exe);
    // Whole literals (properties in this order: timestampMs, files, keys,
    // syscall, exec), not properties added later, which would allocate a
    // second backing store per event.
    if (initiator === undefined) {
      if (name) return exec ? { timestampMs, files, keys, syscall: name, exec } : { timestampMs, files, keys, syscall: name };
      return exec ? { timestampMs, files, keys, exec } : { timestampMs, files, keys };
    }
    if (name) return exec ? { timestampMs, files, keys, syscall: name, exec, initiator } : { timestampMs, files, keys, syscall: name, initiator };
    return exec ? { timestampMs, files, keys, exec, initiator } : { timestampMs, files, keys, initiator };
  }

  private filesOf(d: AuditEventDraft, syscall: string, paths: AuditPathItem[]): ObservedFile[] {
    const processPath = d.exe ?? '';
    let parents = 0;
    for (const p of paths) if (p.nametype === 'PARENT') parents++;
    const items = parents === 0 || parents === paths.length ? paths : paths.filter((p) => p.nametype !== 'PARENT');

    let created: AuditPathItem | undefined;
    let deleted = false;
    for (const p of items) {
      if (p.nametype === 'CREATE') created = p;
      else if (p.nametype === 'DELETE') deleted = true;
    }
    if (created && (deleted || RENAME_SYSCALLS.has(syscall))) {
      return [{ path: this.resolve(d, created.name), op: 'rename', processPath }];
    }

    const out: ObservedFile[] = [];
    for (const p of items) {
      const op = this.opOf(p.nametype, syscall, d);
      const path = this.resolve(d, p.name);
      // Events have a handful of items: a linear scan beats a Set of joined keys.
      let dup = false;
      for (const o of out) if (o.op === op && o.path === path) dup = true;
      if (!dup) out.push({ path, op, processPath });
    }
    return out;
  }

  private opOf(nametype: string, syscall: string, d: AuditEventDraft): FileOp {
    if (nametype === 'CREATE') return 'create';
    if (nametype === 'DELETE') return 'delete';
    switch (syscall) {
      case 'open':
        return this.openFlagsOp(d.a1);
      case 'openat':
        return this.openFlagsOp(d.a2);
      case 'creat':
        return 'modify';
    }
    return READ_ONLY_SYSCALLS.has(syscall) ? 'open' : 'modify';
  }

  private openFlagsOp(flagsHex: string): FileOp {
    const flags = parseHexNumber(flagsHex, 0, flagsHex.length);
    if (flags < 0) return 'open';
    return (flags & O_ACCMODE) !== 0 || (flags & (O_CREAT | O_TRUNC)) !== 0 ? 'modify' : 'open';
  }

  private resolve(d: AuditEventDraft, name: string): string {
    if (name.charCodeAt(0) === 47 /* / */ || !d.cwd) return name;
    return posix.normalize(d.cwd + '/' + name);
  }
}
