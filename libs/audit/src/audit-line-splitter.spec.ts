import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLineSplitter } from './audit-line-splitter';

function split(chunks: Buffer[], max: number) {
  const lines: string[] = [];
  let tooLong = 0;
  const s = new AuditLineSplitter(
    (b, a, e) => lines.push(b.toString('latin1', a, e)),
    () => tooLong++,
    max,
  );
  for (const c of chunks) s.push(c);
  s.end();
  return { lines, tooLong };
}

test('lines across chunk boundaries, last line without newline', () => {
  const text = 'one\ntwo\nthree\nfour';
  for (let size = 1; size <= text.length; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
    assert.deepEqual(split(chunks, 100).lines, ['one', 'two', 'three', 'four']);
  }
});

test('an over-long line is counted once and dropped, in one chunk or many', () => {
  const long = 'x'.repeat(50);
  const text = `a\n${long}\nb\n`;
  for (const size of [1, 7, 1000]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
    assert.deepEqual(split(chunks, 10), { lines: ['a', 'b'], tooLong: 1 });
  }
});

test('a 10 MB line streamed in 64 KiB chunks is skipped without buffering it', () => {
  const s = new AuditLineSplitter(
    () => undefined,
    () => undefined,
    1 << 20,
  );
  const chunk = Buffer.alloc(1 << 16, 0x41);
  let maxPending = 0;
  const lines: string[] = [];
  let tooLong = 0;
  const s2 = new AuditLineSplitter(
    (b, a, e) => lines.push(b.toString('latin1', a, e)),
    () => tooLong++,
    1 << 20,
  );
  for (let i = 0; i < 160; i++) {
    s2.push(chunk);
    maxPending = Math.max(maxPending, (s2 as unknown as { pendingBytes: number }).pendingBytes);
  }
  s2.push(Buffer.from('\nok\n'));
  s2.end();
  assert.deepEqual(lines, ['ok']);
  assert.equal(tooLong, 1);
  assert.ok(maxPending <= 1 << 20);
  s.end();
});
