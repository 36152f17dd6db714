import type { ObservedEvent } from '@fleettune/counting';
import { COL, HeaderTableParser, Row, TableSpec, TracerParserOptions } from './header-table-parser';

/**
 * bcc opensnoop: `[TIME(s) ][UID ]PID COMM FD ERR [FLAGS MODE ]PATH`
 * (-T adds TIME(s), -U UID, -e FLAGS (octal) and MODE (octal or `n/a`)).
 */
export const OPENSNOOP_SPEC: TableSpec = {
  columns: {
    'TIME(s)': COL.seconds,
    UID: COL.int,
    PID: COL.int,
    TID: COL.int,
    COMM: COL.comm,
    FD: COL.signed,
    ERR: COL.int,
    FLAGS: '([0-7]+)',
    MODE: COL.word,
    PATH: COL.rest,
  },
  required: ['PID', 'COMM', 'FD', 'ERR', 'PATH'],
};

/**
 * One event per row. A successful open (FD >= 0) is an `open` of PATH; a
 * failed one (FD -1, ERR = errno) is an event without files.
 * PATH is what the program passed to open(2), so it is often relative
 * (`supervise/status.new`): opensnoop prints no cwd, so a relative path is
 * kept exactly as given (it is never joined with the agent's own cwd), and
 * counts of the same file opened by relative and absolute names stay apart.
 * opensnoop gives no executable path: processPath is ''.
 */
export class OpensnoopParser extends HeaderTableParser {
  constructor(onEvent: (event: ObservedEvent) => void, options: TracerParserOptions = {}) {
    super(onEvent, options, OPENSNOOP_SPEC);
  }

  protected row(get: Row): void {
    const fd = Number(get('FD'));
    const path = get('PATH') ?? '';
    const event: ObservedEvent = { timestampMs: this.rowTime(get), files: [], keys: [] };
    if (fd >= 0 && path !== '') event.files.push({ path, op: 'open', processPath: '' });
    this.emit(event);
  }
}
