import * as path from 'node:path';
import { readFileSync } from 'node:fs';

/** libs/mdatp/fixtures, from src/ or dist/ alike. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures');

export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES_DIR, name));

/** JSON.stringify that writes bigint as text. */
export const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
