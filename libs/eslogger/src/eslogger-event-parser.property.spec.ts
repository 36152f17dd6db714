import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow, assertSkipReasonsAddUp } from '@fleettune/line-input/dist/testing/hostile-input';
import type { ObservedEvent } from '@fleettune/counting';
import { EsloggerEventParser } from './eslogger-event-parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const LINES = [
  ...readFileSync(path.join(FIXTURES, 'eslogger_real_captures.jsonl'), 'utf8').trim().split('\n'),
  ...readFileSync(path.join(FIXTURES, 'eslogger_file_events_from_schema.jsonl'), 'utf8').trim().split('\n'),
].filter((l) => !l.includes('"write"'));

function run(input: Buffer, chunk = 1 << 20) {
  const events: ObservedEvent[] = [];
  const p = new EsloggerEventParser((e) => events.push(e), { now: () => 3 });
  for (let i = 0; i < input.length; i += chunk) p.push(input.subarray(i, i + chunk));
  return { events, stats: p.end() };
}

const join = (ls: (string | Buffer)[]) => Buffer.concat(ls.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')]));

/** Lines that are no eslogger message: binary noise, cut JSON, invalid UTF-8, other JSON. */
const noise = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a.map((b) => (b === 10 || b === 13 ? 0 : b)))),
  fc.nat(LINES.length - 1).chain((i) => fc.integer({ min: 1, max: LINES[i].length - 1 }).map((cut) => Buffer.from(LINES[i].slice(0, cut)))),
  fc.nat(LINES.length - 1).map((i) => Buffer.concat([Buffer.from(LINES[i].slice(0, 40)), Buffer.from([0xc3, 0x28]), Buffer.from(LINES[i].slice(40))])),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ x: v }))),
  fc.constantFrom('{}', '[]', 'null', '"event"', '{"event":{"exec":{"target":{}}}}').map((s) => Buffer.from(s)),
);

test('arbitrary bytes never throw; skipped reasons add up', () => {
  assertAnyBytesNeverThrow(() => new EsloggerEventParser(() => undefined), { maxChunkBytes: 400, numRuns: 400, check: assertSkipReasonsAddUp });
});

test('noise lines inserted anywhere are skipped one each and never change the events', () => {
  const clean = run(join(LINES));
  assert.equal(clean.stats.skipped, 0);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(LINES.length), noise), { maxLength: 10 }), fc.integer({ min: 1, max: 5000 }), (inserts, chunk) => {
      const ls: (string | Buffer)[] = [...LINES];
      let n = 0;
      for (const [at, b] of inserts) {
        if (b.toString('latin1').trim() === '') continue; // blank lines are not input
        ls.splice(at % (ls.length + 1), 0, b);
        n++;
      }
      const got = run(join(ls), chunk);
      assert.deepEqual(got.events, clean.events);
      assert.equal(got.stats.skipped, n);
    }),
    { numRuns: 300 },
  );
});

test('a 10 MB line is skipped as line-too-long; its neighbours still count', () => {
  const huge = '{"event":{"exec":{"args":["' + 'A'.repeat(10 * 1024 * 1024) + '"]}}}';
  const got = run(join([...LINES, huge, ...LINES]), 1 << 16);
  const clean = run(join([...LINES, ...LINES]));
  assert.deepEqual(got.stats.skippedReasons, { 'line-too-long': 1 });
  assert.deepEqual(got.events, clean.events);
});
