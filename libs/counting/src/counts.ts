import type { ProgramFormat } from './program-format';

export interface ExecCountRow {
  path: string;
  parentPath: string;
  user: string;
  count: number;
  /** What the program file is (the source's word or the agent's reading); absent: unknown. */
  format?: ProgramFormat;
}

export interface FileCountRow {
  path: string;
  op: string;
  processPath: string;
  count: number;
}

export interface NamedCountRow {
  name: string;
  count: number;
}

/** Counts of one source over one window on one host: what a batch carries. */
export interface WindowCounts {
  source: string;
  windowStartMs: number;
  windowEndMs: number;
  events: number;
  skipped: number;
  execs: ExecCountRow[];
  files: FileCountRow[];
  keys: NamedCountRow[];
  syscalls: NamedCountRow[];
  /**
   * Events by the program that caused them (ObservedEvent.initiator, audit
   * exe= of syscall and user-space records): aureport -x. Absent when the
   * window has none (sources without the notion).
   */
  initiators?: NamedCountRow[];
}
