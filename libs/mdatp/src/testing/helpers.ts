import * as path from 'node:path';
import { readFileSync } from 'node:fs';

/** libs/mdatp/fixtures, from src/ or dist/ alike. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures');

export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES_DIR, name));

/** `buf` in chunks of `size` bytes (to exercise chunk boundaries). */
export function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += Math.max(1, size)) out.push(buf.subarray(i, i + Math.max(1, size)));
  return out;
}

/** JSON.stringify that writes bigint as text. */
export const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
