import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { AuditLogReader } from './audit-log-reader';
import { collect, FIXTURES_DIR, summarize } from './testing/collect';

const BASE = readFileSync(path.join(FIXTURES_DIR, 'samples', 'audit_raw_normal_golibaudit.log'));
const BASE_LINES = BASE.toString('latin1')
  .split('\n')
  .filter((l) => l.length > 0);

/** Lines that can never be taken for a record of another event. */
const noiseLine = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1').replace(/\n/g, ' ')),
  fc.string({ maxLength: 200 }).map((s) => s.replace(/\n/g, ' ')),
  fc.constantFrom(
    'type=SYSCALL msg=audit(',
    'type=NOT_A_TYPE msg=audit(1.000:1): x=1',
    'node=x',
    '\u0000\u0001\u0002type=PATH',
    'type=PATH msg=audit(1.1:1): item=0',
    '\xff\xfe\xfd garbage',
  ),
);

test('malformed input never throws', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
      const r = new AuditLogReader(() => undefined);
      for (const c of chunks) r.push(Buffer.from(c));
      r.end();
    }),
    { numRuns: 300 },
  );
});

test('truncating any real line never throws and never yields more events', () => {
  fc.assert(
    fc.property(fc.nat(BASE_LINES.length - 1), fc.nat(2000), (i, cut) => {
      const lines = [...BASE_LINES];
      lines[i] = lines[i].slice(0, cut % (lines[i].length + 1));
      let n = 0;
      const r = new AuditLogReader(() => n++);
      r.push(Buffer.from(lines.join('\n'), 'latin1'));
      r.end();
      assert.ok(n <= 5 + 1);
    }),
    { numRuns: 300 },
  );
});

test('noise lines inserted anywhere never change the counts, only skipped', async () => {
  const clean = await collect(BASE);
  const expected = summarize(clean.events);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(BASE_LINES.length), noiseLine), { maxLength: 10 }), fc.integer({ min: 1, max: 512 }), async (inserts, chunk) => {
      const lines = [...BASE_LINES];
      for (const [at, noise] of inserts) lines.splice(at % (lines.length + 1), 0, noise);
      const { events, stats } = await collect(Buffer.from(lines.join('\n') + '\n', 'latin1'), chunk);
      assert.deepEqual(summarize(events), expected);
      assert.deepEqual(
        events.map((e) => e.files),
        clean.events.map((e) => e.files),
      );
      assert.ok(stats.skipped <= inserts.length);
    }),
    { numRuns: 200 },
  );
});

test('a 10 MB line is skipped as line-too-long, neighbours still count', async () => {
  const huge = 'type=PATH msg=audit(1492037291.036:59): ' + 'A'.repeat(10 * 1024 * 1024);
  const text = Buffer.concat([Buffer.from(huge + '\n'), BASE]);
  const { events, stats } = await collect(text, 1 << 16);
  assert.deepEqual(stats.skippedReasons, { 'line-too-long': 1 });
  assert.deepEqual(summarize(events), summarize((await collect(BASE)).events));
});
