/** Why an input line was not used. Counted, never thrown. */
export type CiscoSkipReason =
  | 'line-too-long' // longer than the limit; dropped without buffering it whole
  | 'invalid-utf8' // bytes that are not UTF-8
  | 'control-bytes' // NUL and other control bytes no path list or log holds
  | 'unparseable' // a scan-count list line that is neither `count path` nor `path count`
  | 'ambiguous' // both columns numeric-looking and no orientation learned from other lines
  | 'bad-count' // a count that is not a safe non-negative integer
  | 'bad-daemon-rx' // a `Daemon Rx:` line missing VNODE/P/PP/U or the [path]
  | 'bad-timestamp' // a `Daemon Rx:` line whose timestamp cannot be read
  | 'not-daemon-rx'; // any other ampdaemon.log line (not file/exec activity)

// Control bytes other than TAB (and the CR the splitter strips).
export const CONTROL_BYTES = /[\u0000-\u0008\u000a-\u001f\u007f]/;
