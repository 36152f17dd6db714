import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow, assertSkipReasonsAddUp } from '@fleettune/line-input/dist/testing/hostile-input';
import type { ObservedEvent } from '@fleettune/counting';
import { ExecsnoopParser } from './execsnoop-parser';
import { IosnoopParser } from './iosnoop-parser';
import type { LineEventReader } from '@fleettune/line-input';
import { NewprocParser } from './newproc-parser';
import { OpensnoopParser } from './opensnoop-parser';
import { runParser } from './testing';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const opts = { now: () => 11, startTimeMs: 0, baseDateMs: new Date(2026, 10, 24).getTime() };

interface Case {
  name: string;
  make: (on: (e: ObservedEvent) => void) => LineEventReader;
  lines: string[];
}

const fixtureLines = (f: string) =>
  readFileSync(path.join(FIXTURES, f), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#') && !l.startsWith(' ./'));

const CASES: Case[] = [
  { name: 'execsnoop', make: (on) => new ExecsnoopParser(on, opts), lines: fixtureLines('bcc_execsnoop_output_excerpt.txt') },
  { name: 'opensnoop', make: (on) => new OpensnoopParser(on, opts), lines: fixtureLines('bcc_opensnoop_output_excerpt.txt') },
  {
    name: 'iosnoop',
    make: (on) => new IosnoopParser(on, opts),
    lines: [...fixtureLines('iosnoop_public_examples.txt'), ...fixtureLines('iosnoop_constructed_variants.txt')],
  },
  { name: 'newproc', make: (on) => new NewprocParser(on, opts), lines: fixtureLines('newproc_macos_constructed.txt') },
];

const join = (ls: Buffer[]) => Buffer.concat(ls.flatMap((l) => [l, Buffer.from('\n')]));

const noiseLine = (lines: string[]) =>
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a.map((b) => (b === 10 ? 32 : b)))),
    fc.string({ minLength: 1, maxLength: 120 }).map((s) => Buffer.from(s.replace(/[\n\r]/g, ' '))),
    fc.nat(lines.length - 1).chain((i) => fc.nat(lines[i].length).map((cut) => Buffer.from(lines[i].slice(0, cut)))),
    fc.nat(lines.length - 1).map((i) => Buffer.concat([Buffer.from(lines[i]), Buffer.from([0xff, 0x00])])),
    fc.constantFrom('Tracing... Hit Ctrl-C to end.', 'Possibly lost 3 samples', 'PID COMM', '\u0000\u0001').map((s) => Buffer.from(s)),
  );

for (const c of CASES) {
  test(`${c.name}: arbitrary bytes never throw; skip reasons add up`, () => {
    assertAnyBytesNeverThrow(() => c.make(() => undefined), { check: assertSkipReasonsAddUp });
  });

  test(`${c.name}: noise lines anywhere are skipped one each and never change the counts`, () => {
    const lines = c.lines.map((l) => Buffer.from(l));
    const clean = runParser(c.make, join(lines));
    assert.equal(clean.stats.skipped, 0);
    // whatever the current header is, a line is noise if the parser skips it after each header
    const headers = lines.filter(
      (_, i) => runParser(c.make, join(lines.slice(0, i + 1))).stats.events === runParser(c.make, join(lines.slice(0, i))).stats.events,
    );
    const isNoise = (b: Buffer) =>
      (headers.length === 0 ? [Buffer.alloc(0)] : headers).every((h) => {
        const r = runParser(c.make, join(h.length ? [h, b] : [b]));
        return r.stats.events === 0 && r.stats.skipped === 1;
      });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(lines.length), noiseLine(c.lines)), { maxLength: 10 }), fc.integer({ min: 1, max: 400 }), (inserts, chunk) => {
        const ls = [...lines];
        let n = 0;
        for (const [at, b] of inserts) {
          if (!isNoise(b)) continue; // a cut row may still be a valid row: not noise
          ls.splice(at % (ls.length + 1), 0, b);
          n++;
        }
        const got = runParser(c.make, join(ls), chunk);
        assert.deepEqual(got.events, clean.events);
        assert.equal(got.stats.skipped, n);
      }),
      { numRuns: 200 },
    );
  });

  test(`${c.name}: a 10 MB line is skipped as line-too-long`, () => {
    const lines = c.lines.map((l) => Buffer.from(l));
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x31);
    const got = runParser(c.make, join([...lines, huge, ...lines]), 1 << 16);
    const clean = runParser(c.make, join([...lines, ...lines]));
    assert.deepEqual(got.stats.skippedReasons, { 'line-too-long': 1 });
    assert.equal(got.events.length, clean.events.length);
  });
}
