/** Why an input line was not used. Counted, never thrown. */
export type SkipReason =
  | 'line-too-long' // longer than the splitter's limit; dropped without buffering it whole
  | 'invalid-utf8' // bytes >= 0x80 that are not valid UTF-8 (auditd hex-encodes such values)
  | 'control-bytes' // NUL and other control bytes auditd never writes unescaped
  | 'no-type' // no `type=` where a record starts (noise, comments, other logs)
  | 'unknown-type' // `type=` names no audit record type
  | 'bad-header' // missing or malformed `msg=audit(<sec>.<ms>:<serial>):`
  | 'truncated'; // a record cut short: unterminated quote, odd hex, or missing the last field

export type SkipCounts = Partial<Record<SkipReason, number>>;
