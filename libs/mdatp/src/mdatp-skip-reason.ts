/** Why an input line / document / record was not used. Counted, never thrown. */
export type MdatpSkipReason =
  | 'line-too-long' // a text line longer than the limit; dropped without buffering it whole
  | 'document-too-large' // a JSON document over the limit; dropped without buffering it whole
  | 'invalid-utf8' // a value or line with bytes that are not UTF-8
  | 'truncated-json' // a JSON document or counter that ends midway
  | 'malformed-json' // JSON that does not parse
  | 'no-counters' // a JSON document with no `counters` / `eventSource` array
  | 'bad-counter' // a counter without a usable id or files-scanned number
  | 'bad-row' // a text row that does not have the expected columns
  | 'text-line'; // a line of text that is no part of the format (prompts, noise)
