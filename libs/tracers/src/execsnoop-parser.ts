import type { ObservedEvent } from '@fleettune/counting';
import { COL, HeaderTableParser, Row, TableSpec, TracerParserOptions } from './header-table-parser';

/**
 * bcc execsnoop: `[TIME ][TIME(s) ][UID ]COMM PID [PPID ][CPU ]RET ARGS`
 * (-T adds TIME `HH:MM:SS`, -t TIME(s), -U UID; -x adds failed execs with a
 * negative RET; -q quotes each argument), and older builds'
 * `PCOMM PID RET ARGS`.
 */
export const EXECSNOOP_SPEC: TableSpec = {
  columns: {
    TIME: COL.tod,
    'TIME(s)': COL.seconds,
    UID: COL.int,
    COMM: COL.comm,
    PCOMM: COL.comm,
    PID: COL.int,
    PPID: COL.int,
    CPU: COL.int,
    RET: COL.signed,
    ARGS: COL.rest,
  },
  required: ['PID', 'RET', 'ARGS'],
};

const MAX_TRACKED_PIDS = 65536;

/**
 * One event per row (syscall `execve`); an exec only when RET is 0.
 * - path: the first word of ARGS (execsnoop prints the exec'd filename first;
 *   a quoted first argument with -q is unquoted), else the COMM. ARGS is
 *   space-joined, so a filename with spaces is cut at its first space.
 * - parentPath: the path of the last exec seen for PPID in this input (execsnoop
 *   prints no parent path), '' when unknown or without a PPID column.
 * - user: the UID column (-U) as text, '' without it.
 */
export class ExecsnoopParser extends HeaderTableParser {
  private readonly pathByPid = new Map<number, string>();

  constructor(onEvent: (event: ObservedEvent) => void, options: TracerParserOptions = {}) {
    super(onEvent, options, EXECSNOOP_SPEC);
  }

  protected row(get: Row): void {
    const ret = Number(get('RET'));
    const pid = Number(get('PID'));
    const ppidText = get('PPID');
    const args = get('ARGS') ?? '';
    const comm = (get('COMM') ?? get('PCOMM') ?? '').trim();
    const event: ObservedEvent = { timestampMs: this.rowTime(get), files: [], keys: [], syscall: 'execve' };
    if (ret === 0) {
      const path = firstArgument(args) || comm;
      const ppid = ppidText === undefined ? undefined : Number(ppidText);
      event.exec = {
        path,
        parentPath: ppid === undefined ? '' : (this.pathByPid.get(ppid) ?? ''),
        user: get('UID') ?? '',
        pid,
      };
      if (ppid !== undefined) event.exec.ppid = ppid;
      this.pathByPid.delete(pid);
      this.pathByPid.set(pid, path);
      if (this.pathByPid.size > MAX_TRACKED_PIDS) this.pathByPid.delete(this.pathByPid.keys().next().value as number);
    }
    this.emit(event);
  }
}

/** The first argument of a space-joined (or -q quoted) argument list. */
export function firstArgument(args: string): string {
  const a = args.trimStart();
  if (a.startsWith('"')) {
    const end = a.indexOf('"', 1);
    return end < 0 ? a.slice(1) : a.slice(1, end);
  }
  const sp = a.indexOf(' ');
  return sp < 0 ? a : a.slice(0, sp);
}
