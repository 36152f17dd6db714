import { ExecsnoopParser, IosnoopParser, NewprocParser, OpensnoopParser } from '@fleettune/tracers';
import type { EventSource } from './event-source';
import { lineParserSource } from './line-parser-source';

/** DTrace newproc.d output (DTraceToolkit rows or macOS `<pid> <64b|32b> <args>`). */
export const dtraceNewprocSource: EventSource = lineParserSource(
  'dtrace-newproc',
  'DTrace newproc.d output (execs; argv[0] as given)',
  (onEvent, onSkip) => new NewprocParser(onEvent, { onSkip }),
);

/** DTraceToolkit iosnoop output (default and -s/-t/-v/-e/-N/-D/-o/-g columns). */
export const dtraceIosnoopSource: EventSource = lineParserSource(
  'dtrace-iosnoop',
  'DTraceToolkit iosnoop output (disk I/O per file: W -> modify, R -> open)',
  (onEvent, onSkip) => new IosnoopParser(onEvent, { onSkip }),
);

/** bcc execsnoop output (default, -T/-t/-U/-x/-q, older PCOMM PID RET ARGS). */
export const bccExecsnoopSource: EventSource = lineParserSource(
  'bcc-execsnoop',
  'bcc execsnoop output (execs; parent from earlier execs of PPID)',
  (onEvent, onSkip, baseDateMs) => new ExecsnoopParser(onEvent, { onSkip, baseDateMs, recordedUntilMs: baseDateMs }),
);

/** bcc opensnoop output (default, -T, -U, -e). Relative paths are kept as given. */
export const bccOpensnoopSource: EventSource = lineParserSource(
  'bcc-opensnoop',
  'bcc opensnoop output (successful opens; relative paths kept as given)',
  (onEvent, onSkip) => new OpensnoopParser(onEvent, { onSkip }),
);
