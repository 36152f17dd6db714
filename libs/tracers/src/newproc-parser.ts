import type { ObservedEvent } from '@fleettune/counting';
import { decodeStrictUtf8, hasControlBytes, LineEventReader } from '@fleettune/line-input';
import type { TracerParserOptions } from './header-table-parser';
import { firstArgument } from './execsnoop-parser';

export type NewprocFormat = 'auto' | 'macos' | 'dtrace' | 'psargs';

export interface NewprocParserOptions extends TracerParserOptions {
  /**
   * - `macos`: /usr/bin/newproc.d, `<pid> <64b|32b>  <arg0> <arg1>…` (` (...)` when argv was cut);
   * - `dtrace`: the DTraceToolkit one-liner run without -q, `CPU ID FUNCTION:NAME` rows
   *   (`  0  3297   exece:exec-success   ls -l`);
   * - `psargs`: the one-liner with -q, one bare `pr_psargs` per line;
   * - `auto` (default): macos or dtrace, whichever the first recognized row is. Bare psargs
   *   are never guessed: any text is a valid psargs line, so noise would count as execs.
   */
  format?: NewprocFormat;
}

const MACOS_ROW = /^\s*(\d+)\s+(?:64b|32b)\s+(.*?)\s*$/;
const DTRACE_ROW = /^\s*\d+\s+\d+\s+\S*:exec-success\s+(.*?)\s*$/;
const DTRACE_NOISE = /^(?:\s*CPU\s+ID\s+FUNCTION:NAME\s*$|dtrace: )/;

/**
 * DTrace newproc.d output: one exec per row. path = the first argument
 * (argv[0] as the program gave it: often a bare name such as `ls`, kept as
 * given); no parent or user is printed, so both are ''. macOS rows give the pid.
 */
export class NewprocParser extends LineEventReader {
  private format: NewprocFormat;
  private readonly now: () => number;

  constructor(onEvent: (event: ObservedEvent) => void, options: NewprocParserOptions = {}) {
    super(onEvent, options);
    this.format = options.format ?? 'auto';
    this.now = options.now ?? Date.now;
  }

  protected line(buf: Buffer, start: number, end: number): void {
    if (hasControlBytes(buf, start, end)) return this.skip('control-bytes');
    const text = decodeStrictUtf8(buf, start, end);
    if (text === undefined) return this.skip('invalid-utf8');
    if (text.trim() === '') return;
    if (DTRACE_NOISE.test(text)) return this.skip('comment');
    if (this.unterminated) return this.skip('truncated');
    let pid: number | undefined;
    let args: string | undefined;
    if (this.format === 'psargs') args = text.trim();
    else {
      if (this.format !== 'dtrace') {
        const m = MACOS_ROW.exec(text);
        if (m) {
          pid = Number(m[1]);
          args = m[2];
          this.format = 'macos';
        }
      }
      if (args === undefined && this.format !== 'macos') {
        const m = DTRACE_ROW.exec(text);
        if (m) {
          args = m[1];
          this.format = 'dtrace';
        }
      }
    }
    if (args === undefined) return this.skip('unrecognized');
    const path = firstArgument(args.replace(/ \(\.\.\.\)$/, ''));
    if (path === '') return this.skip('unrecognized');
    const event: ObservedEvent = { timestampMs: this.now(), files: [], keys: [], exec: { path, parentPath: '', user: '' } };
    if (pid !== undefined && event.exec) event.exec.pid = pid;
    this.emit(event);
  }
}
