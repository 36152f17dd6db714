import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { hubConfigSchema } from './hub-config';

const README = path.resolve(__dirname, '..', '..', '..', '..', 'README.md');

/**
 * The settings a README table row names: whole names in backticks, and
 * shortened ones (`FLEETTUNE_ALERTS_INTERVAL_SECONDS` / `_LEARNING_SECONDS`)
 * completed with a prefix of the row's first whole name.
 */
function documentedSettings(readme: string, known: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const line of readme.split('\n').filter((l) => l.startsWith('|'))) {
    const whole = [...line.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    whole.forEach((k) => out.add(k));
    for (const m of line.matchAll(/`(_[A-Z0-9_]+)`/g)) {
      for (const full of whole) {
        for (let i = full.indexOf('_'); i > 0; i = full.indexOf('_', i + 1)) {
          if (known.has(full.slice(0, i) + m[1])) out.add(full.slice(0, i) + m[1]);
        }
      }
    }
  }
  return out;
}

test('every hub setting of the config schema is in the README settings table', () => {
  const keys = Object.keys(hubConfigSchema.shape);
  const documented = documentedSettings(fs.readFileSync(README, 'utf8'), new Set(keys));
  const missing = keys.filter((k) => !documented.has(k));
  assert.deepEqual(missing, [], `add these settings to the README table: ${missing.join(', ')}`);
});
