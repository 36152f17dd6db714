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
