import type { ObservedEvent } from '@fleettune/counting';
import { COL, HeaderTableParser, Row, TableSpec, TracerParserOptions } from './header-table-parser';

/**
 * DTraceToolkit iosnoop: `UID PID D BLOCK SIZE COMM PATHNAME`
 * (`%5d %5d %1s %8d %6d %10s %s`), with columns in front for -s STIME (µs),
 * -t TIME (µs), -v STRTIME (`2005 Jul 10 11:44:02`), -e DEVICE, -N MAJ MIN,
 * -D DELTA, -o DTIME, and ARGS after PATHNAME with -g.
 */
export const IOSNOOP_SPEC: TableSpec = {
  columns: {
    STIME: COL.int,
    TIME: COL.int,
    STRTIME: '(\\d{4} \\w{3} +\\d{1,2} \\d{2}:\\d{2}:\\d{2})',
    DEVICE: COL.word,
    MAJ: COL.int,
    MIN: COL.int,
    DELTA: COL.int,
    DTIME: COL.int,
    UID: COL.int,
    PID: COL.int,
    D: '([RW])',
    BLOCK: COL.int,
    SIZE: COL.int,
    COMM: COL.comm,
    // a path, `<none>`, or `??/name` (directory unknown); lazy so -g ARGS can follow
    PATHNAME: '((?:/|<|\\?\\?)\\S*(?: \\S+)*?)',
    ARGS: COL.rest,
  },
  required: ['UID', 'PID', 'D', 'BLOCK', 'SIZE', 'COMM', 'PATHNAME'],
};

/**
 * One event per row: D=W is a `modify` of PATHNAME, D=R an `open` (a read
 * of the file). Rows whose path is unknown (`<none>`, `??/…`) are events
 * without files. iosnoop sees disk I/O past the page cache, so it
 * under-counts cached reads: a weak proxy for AV scan load.
 * With -g, a PATHNAME with spaces cannot be told from ARGS: it is cut at its
 * first space.
 */
export class IosnoopParser extends HeaderTableParser {
  constructor(onEvent: (event: ObservedEvent) => void, options: TracerParserOptions = {}) {
    super(onEvent, options, IOSNOOP_SPEC);
  }

  protected row(get: Row): void {
    const path = get('PATHNAME') ?? '';
    const event: ObservedEvent = { timestampMs: this.rowTime(get), files: [], keys: [] };
    if (path.startsWith('/')) event.files.push({ path, op: get('D') === 'W' ? 'modify' : 'open', processPath: '' });
    this.emit(event);
  }
}
