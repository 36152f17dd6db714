/**
 * The one shape every source parser produces. The rest of the product never
 * knows which source a count came from.
 */
import type { ProgramFormat } from './program-format';

export type FileOp = 'create' | 'modify' | 'delete' | 'rename' | 'open' | 'other';

export interface ObservedExec {
  /** Executed program (absolute path when the source knows it). */
  path: string;
  /** Parent executable path; '' when unknown. */
  parentPath: string;
  /** User name when the source gives one, else the numeric uid as text; '' when unknown. */
  user: string;
  pid?: number;
  ppid?: number;
  /**
   * What the source itself says the executed file is (eslogger's
   * `exec.script`: a `#!` script run directly). Absent: the source does not
   * say; the agent may read the file (apps/agent program-format-cache.ts).
   */
  format?: ProgramFormat;
}

export interface ObservedFile {
  path: string;
  op: FileOp;
  /** Initiator executable; '' when unknown. */
  processPath: string;
}

export interface ObservedEvent {
  timestampMs: number;
  /** Present when the event is a successful program execution. */
  exec?: ObservedExec;
  /** File operations of the event, one per distinct (path, op). */
  files: ObservedFile[];
  /** Audit rule keys of the event (an event may carry several). */
  keys: string[];
  /** Syscall name, when the source is syscall-based. */
  syscall?: string;
  /**
   * The program that caused the event, for every event that names one: the
   * SYSCALL exe=, or the exe= of a user-space record (PAM, sshd, sudo,
   * systemd: USER_ACCT, CRED_ACQ, USER_START, ...). What `aureport -x`
   * counts and what the MDE auditd guidance excludes by `-F exe=`; unlike
   * `exec`, it is not limited to successful execve events.
   */
  initiator?: string;
  /**
   * How many identical occurrences this event stands for (default 1). Sources
   * that report counts (mdatp statistics, Cisco scan lists) emit one weighted
   * event instead of millions of copies.
   */
  weight?: number;
}
