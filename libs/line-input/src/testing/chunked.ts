import type { PushParser } from './hostile-input';

/**
 * `buf` in chunks of `size` bytes, for parser specs that exercise chunk
 * boundaries. Not exported from the package index; import
 * '@fleettune/line-input/dist/testing/chunked'.
 */
export function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += Math.max(1, size)) out.push(buf.subarray(i, i + Math.max(1, size)));
  return out;
}

/** Pushes `input` (a string as UTF-8) into `parser` in chunks of `size` bytes; returns what its `end` returns. */
export function pushInChunks<Stats>(parser: PushParser<Stats>, input: Buffer | string, size: number): Stats {
  for (const c of chunked(Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8'), size)) parser.push(c);
  return parser.end();
}
