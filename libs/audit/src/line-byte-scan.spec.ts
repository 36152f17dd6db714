import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuditLineSplitter } from './audit-line-splitter';
import { classifyLineBytes, findSpecialBytes, LINE_PLAIN, LINE_UNSCANNED, wordView } from './line-byte-scan';

/** Bytes that make the four-at-a-time test hard: around 0x20 and 0x7f, the separator, newline, CR, high bytes. */
const byte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x1d, 0x1f, 0x7f, 0x80, 0xa0, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

test('findSpecialBytes reports exactly the bytes outside 0x20-0x7e, at any alignment and range', () => {
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 80 }), fc.nat(7), fc.nat(80), fc.nat(80), (bytes, offset, a, b) => {
      const backing = Buffer.alloc(bytes.length + offset);
      Buffer.from(bytes).copy(backing, offset);
      const buf = backing.subarray(offset);
      const from = Math.min(a, b, buf.length);
      const to = Math.min(Math.max(a, b), buf.length);
      const { words, wordsAt } = wordView(buf);
      const out = new Int32Array(to - from + 1);
      const n = findSpecialBytes(buf, words, wordsAt, from, to, out);
      const expected: number[] = [];
      for (let i = from; i < to; i++) if (buf[i] < 0x20 || buf[i] > 0x7e) expected.push(i);
      assert.deepEqual([...out.subarray(0, n)], expected);
    }),
    { numRuns: 3000 },
  );
});

test('classifyLineBytes: plain, first separator, or unscanned', () => {
  const c = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    return classifyLineBytes(b, 0, b.length);
  };
  assert.equal(c('type=EOE msg=audit(1.000:1): '), LINE_PLAIN);
  assert.equal(c('ab\x1dcd\x1d'), 2);
  assert.equal(c('ab\r'), LINE_PLAIN); // the parser strips one CR at the end
  assert.equal(c('a\rb'), LINE_UNSCANNED);
  assert.equal(c('ab\r\r'), LINE_UNSCANNED);
  assert.equal(c('a\tb'), LINE_UNSCANNED);
  assert.equal(c('\xc3\xa9'), LINE_UNSCANNED);
  assert.equal(c('\x7f'), LINE_UNSCANNED);
});

test('the scanning splitter gives the same lines as the plain one, each with its classification', () => {
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), fc.nat(3), (bytes, size, offset) => {
      const input = Buffer.from(bytes);
      const run = (scan: boolean) => {
        const lines: Array<[string, number]> = [];
        let tooLong = 0;
        const s = new AuditLineSplitter(
          (b, st, e, sc) => lines.push([b.toString('latin1', st, e), sc === LINE_UNSCANNED || sc === LINE_PLAIN ? sc : sc - st]),
          () => tooLong++,
          40,
          scan,
        );
        const backing = Buffer.alloc(input.length + offset);
        input.copy(backing, offset);
        for (let i = 0; i < input.length; i += size) s.push(backing.subarray(offset + i, offset + Math.min(input.length, i + size)));
        s.end();
        return { lines, tooLong };
      };
      const plain = run(false);
      const scanned = run(true);
      assert.deepEqual(
        scanned.lines.map((l) => l[0]),
        plain.lines.map((l) => l[0]),
      );
      assert.equal(scanned.tooLong, plain.tooLong);
      for (const [text, sc] of scanned.lines) {
        const b = Buffer.from(text, 'latin1');
        assert.equal(sc, classifyLineBytes(b, 0, b.length), JSON.stringify(text));
      }
    }),
    { numRuns: 2000 },
  );
});
