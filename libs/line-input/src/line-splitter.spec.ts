import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './line-splitter';

/** Feeds `data` through one reused buffer of `size` bytes, as RotatingFileReader does with fs.readSync. */
function splitThroughReusedBuffer(data: Buffer, size: number, maxLineBytes?: number): { lines: string[]; tooLong: number } {
  const lines: string[] = [];
  let tooLong = 0;
  const s = new LineSplitter(
    (l) => lines.push(l.toString('utf8')),
    () => tooLong++,
    maxLineBytes,
  );
  const buf = Buffer.alloc(size);
  for (let at = 0; at < data.length; at += size) {
    const n = data.copy(buf, 0, at, Math.min(data.length, at + size));
    s.push(buf.subarray(0, n));
    buf.fill(0x23); // scribble over the buffer as the next read would
  }
  s.end();
  return { lines, tooLong };
}

test('a line crossing a read boundary survives the reader reusing its buffer', () => {
  const want = ['first line', 'a line that crosses the boundary', 'short', 'another crossing line, longer than a chunk of sixteen', 'last, no newline'];
  const data = Buffer.from(want.join('\n'));
  for (const size of [1, 2, 3, 7, 16, 17, 64]) {
    assert.deepEqual(splitThroughReusedBuffer(data, size), { lines: want, tooLong: 0 }, `chunks of ${size} bytes`);
  }
});

test('CRLF split between two reads: the CR is still stripped', () => {
  const data = Buffer.from('alpha\r\nbeta\r\n');
  for (let size = 1; size <= data.length; size++) {
    assert.deepEqual(splitThroughReusedBuffer(data, size).lines, ['alpha', 'beta'], `chunks of ${size} bytes`);
  }
});

test('an over-long line is reported once and the next line is intact, across reused reads', () => {
  const data = Buffer.from(`ok\n${'x'.repeat(50)}\nafter\n`);
  for (const size of [3, 8, 64]) {
    assert.deepEqual(splitThroughReusedBuffer(data, size, 20), { lines: ['ok', 'after'], tooLong: 1 }, `chunks of ${size} bytes`);
  }
});

test('1 MiB reads of a multi-MiB stream: every line crossing a MiB boundary is whole', () => {
  const MiB = 1 << 20;
  const want: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 3.5 * MiB; i++) {
    const line = `Dec  7 02:00:00 mac.local [2537] [fileop]:[info]-[kext_processor.c@938]:[1]: Daemon Rx: VNODE:EXECUTE X:${i} P:${i} PP:1 U:0 [/bin/rm]`;
    want.push(line);
    bytes += line.length + 1;
  }
  const data = Buffer.from(want.join('\n') + '\n');
  const crossing = [1, 2, 3].filter((k) => data[k * MiB - 1] !== 0x0a).length;
  assert.equal(crossing, 3, 'a line crosses each of the three boundaries');
  const got = splitThroughReusedBuffer(data, MiB);
  assert.equal(got.lines.length, want.length);
  assert.deepEqual(got.lines, want);
});
