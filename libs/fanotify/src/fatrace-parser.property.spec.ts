import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow, assertSkipReasonsAddUp } from '@fleettune/line-input/dist/testing/hostile-input';
import type { ObservedEvent } from '@fleettune/counting';
import { FatraceParser, FatraceParserOptions } from './fatrace-parser';

const RECORDED = path.join(__dirname, '..', 'fixtures', 'recorded');
const OPTS: FatraceParserOptions = { baseDateMs: new Date(2026, 10, 24, 12).getTime(), now: () => 7 };

function lines(file: string): Buffer[] {
  const buf = readFileSync(path.join(RECORDED, file));
  const out: Buffer[] = [];
  let at = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
    out.push(buf.subarray(at, nl));
    at = nl + 1;
  }
  return out;
}

const TEXT = lines('workload-text-t-u-e-P.txt').slice(0, 60);
const JSON_LINES = lines('workload-json-tt-u-e-P.jsonl').slice(0, 60);
const MIXED = [...TEXT.slice(0, 30), ...JSON_LINES.slice(0, 30)];

function run(input: Buffer, chunk = 1 << 20, options: FatraceParserOptions = OPTS) {
  const events: ObservedEvent[] = [];
  const p = new FatraceParser((e) => events.push(e), options);
  for (let i = 0; i < input.length; i += chunk) p.push(input.subarray(i, i + chunk));
  return { events, stats: p.end() };
}

/** Lines that are no fatrace event: binary noise, control bytes, cut JSON, invalid UTF-8. */
const noiseLine = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a.map((b) => (b === 10 ? 0 : b))).subarray(0)),
  fc.string({ minLength: 1, maxLength: 100 }).map((s) => Buffer.from('\u0000' + s.replace(/\n/g, ' '))),
  fc.nat(JSON_LINES.length - 1).chain((i) => fc.integer({ min: 1, max: Math.max(1, JSON_LINES[i].length - 1) }).map((cut) => JSON_LINES[i].subarray(0, cut))),
  fc.constantFrom(
    Buffer.from('{"pid":1,"types":"W","path":"/x"'),
    Buffer.from('{"pid":1,"types":"Q","path":"/x"}'),
    Buffer.from('{"pid":"1","types":"W","path":"/x"}'),
    Buffer.from([0xff, 0xfe, 0x7b, 0x22]),
    Buffer.from('{"pid":1,"types":"W","path":"/\xff"}', 'latin1'),
    Buffer.from('[1,2,3]'),
    Buffer.from('comm(12: W /x'),
    Buffer.from('comm(12): Q /x'),
    Buffer.from('xx:yy:zz comm(1): W /x'),
  ),
);

const hasEventShape = (b: Buffer) => /\(\d+\)(?: \[\d+:\d+\])?: [CROW+D<>]+ /.test(b.toString('latin1')) || b[0] === 0x7b;

test('arbitrary bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new FatraceParser(() => undefined, OPTS), { maxChunkBytes: 400, numRuns: 400, check: assertSkipReasonsAddUp });
});

test('noise lines inserted anywhere are skipped with a reason and never change the counts', () => {
  const clean = run(Buffer.concat(MIXED.flatMap((l) => [l, Buffer.from('\n')])));
  assert.equal(clean.stats.skipped, 0);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(MIXED.length), noiseLine), { maxLength: 12 }), fc.integer({ min: 1, max: 700 }), (inserts, chunk) => {
      const ls = [...MIXED];
      let noise = 0;
      for (const [at, n] of inserts) {
        // a noise line that is only whitespace is a blank line (ignored), one that
        // happens to look like an event is not noise: neither is inserted
        if (n.toString('latin1').trim() === '' || (hasEventShape(n) && n[0] !== 0x7b)) continue;
        ls.splice(at % (ls.length + 1), 0, n);
        noise++;
      }
      const got = run(Buffer.concat(ls.flatMap((l) => [l, Buffer.from('\n')])), chunk);
      assert.deepEqual(got.events, clean.events);
      assert.equal(got.stats.skipped, noise);
    }),
    { numRuns: 300 },
  );
});

test('truncating any line never throws and yields at most one event for it', () => {
  fc.assert(
    fc.property(fc.nat(MIXED.length - 1), fc.nat(3000), (i, cut) => {
      const l = MIXED[i].subarray(0, cut % (MIXED[i].length + 1));
      const r = run(l);
      assert.ok(r.stats.events + r.stats.skipped <= 1);
    }),
    { numRuns: 300 },
  );
});

test('a 10 MB line is skipped as line-too-long; its neighbours still count', () => {
  const base = Buffer.concat(TEXT.flatMap((l) => [l, Buffer.from('\n')]));
  const huge = Buffer.concat([Buffer.from('a(1): W /'), Buffer.alloc(10 * 1024 * 1024, 0x61), Buffer.from('\n')]);
  const got = run(Buffer.concat([base, huge, base]), 1 << 16);
  const clean = run(Buffer.concat([base, base]));
  assert.deepEqual(got.stats.skippedReasons, { 'line-too-long': 1 });
  assert.deepEqual(got.events, clean.events);
});
