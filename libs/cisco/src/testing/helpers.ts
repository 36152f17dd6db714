import * as path from 'node:path';
import { readFileSync } from 'node:fs';

/** libs/cisco/fixtures, from src/ or dist/ alike. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures');

export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES_DIR, name));
