import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { AuditLineParser } from './audit-line-parser';
import { AuditLineSplitter } from './audit-line-splitter';
import { AuditLogReader } from './audit-log-reader';
import { AuditRecord } from './audit-record';
import { classifyLineBytes, LINE_UNSCANNED } from './line-byte-scan';
import { FIXTURES_DIR } from './testing/collect';
import { ReferenceAuditLineParser } from './testing/reference-audit-line-parser';
import { ReadResult, referenceRead } from './testing/reference-audit-log-reader';

/**
 * The fast paths (splitter byte scan, header without a bounded pre-pass,
 * field walks that stop early, caches) must give exactly what the reference
 * parser gives (testing/reference-audit-line-parser.ts, the parser before the
 * speed work), on real lines and on real lines broken in every way we could
 * think of: truncated, hex-encoded values, node= prefix, lost or extra 0x1D,
 * CRLF, control bytes, invalid UTF-8, duplicated and reordered fields.
 */

const REAL_LINES: string[] = (() => {
  const files = ['host-a.enriched.log', 'host-b.raw.log', ...readdirSync(path.join(FIXTURES_DIR, 'samples')).map((f) => path.join('samples', f))];
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const f of files) {
    for (const l of readFileSync(path.join(FIXTURES_DIR, f)).toString('latin1').split('\n')) {
      // One line per record type and shape is plenty; keep the variety.
      const key = l.replace(/msg=audit\([^)]*\)/, '').replace(/=[^ \x1d]*/g, '=');
      if (l && !seen.has(key)) {
        seen.add(key);
        lines.push(l);
      }
    }
  }
  return lines;
})();

const SNIPPETS = [
  ' exe="/x"',
  ' exe=2F7820',
  ' exe=2F78A',
  ' key="k"',
  ' key=(null)',
  ' key=6B3101',
  ' name="a b"',
  ' name=2F746D70',
  ' nametype=CREATE',
  ' nametype=DELETE',
  ' objtype=PARENT',
  ' item=3',
  ' pid=7',
  ' ppid=9',
  ' uid=5',
  ' a1=241',
  ' a2=ff',
  ' arch=40000003',
  ' syscall=2',
  ' success=no',
  ' SYSCALL=open',
  ' UID="bob"',
  ' UID=626F62',
  'ARCH=x86_64',
  'OUID="root"',
  '\x1d',
  ' cwd="/tmp"',
  'node=h1 ',
  ')',
  ':',
  '(',
  '"',
  '=',
  ' ',
  '\t',
  '\r',
  '\x00',
  '\x01',
  '\x7f',
  '\xc3\xa9',
  '\xff',
  '\xe2\x82',
  'type=PATH msg=audit(1.001:2): ',
  'msg=audit(',
  ' exe=',
  ' name=',
  ' item=',
  'NORMAL',
  '(null)',
];

/** latin1 string, one char per byte. */
type Line = string;

const mutation: fc.Arbitrary<(l: Line) => Line> = fc.oneof(
  fc.nat().map((n) => (l: Line) => l.slice(0, n % (l.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom(...SNIPPETS)).map(([n, s]) => (l: Line) => {
    const at = n % (l.length + 1);
    return l.slice(0, at) + s + l.slice(at);
  }),
  fc.tuple(fc.nat(), fc.nat(40)).map(([n, k]) => (l: Line) => {
    const at = n % (l.length + 1);
    return l.slice(0, at) + l.slice(at + k);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, c]) => (l: Line) => {
    const at = n % (l.length + 1);
    return l.slice(0, at) + String.fromCharCode(c) + l.slice(at);
  }),
  fc.constant((l: Line) => l.replace(/\x1d/g, '')), // ENRICHED that lost its separator
  fc.constant((l: Line) => l.replace(/\x1d/g, ' ')),
  fc.constantFrom('node=web-1 ', 'node= ', 'node=a)b ', 'node=' + 'n'.repeat(600) + ' ').map((p) => (l: Line) => p + l),
  fc.constant((l: Line) => l + '\r'),
  fc.constant((l: Line) => l.replace(' nametype=', ' objtype=')), // older kernels
  fc.nat().map((n) => (l: Line) => {
    // Hex-encode one quoted value, as the kernel does for values with spaces or odd bytes.
    const quoted = [...l.matchAll(/"([^"]*)"/g)];
    if (quoted.length === 0) return l;
    const m = quoted[n % quoted.length];
    const hex = Buffer.from(m[1], 'latin1').toString('hex').toUpperCase();
    return l.slice(0, m.index) + hex + l.slice(m.index! + m[0].length);
  }),
  fc.nat().map((n) => (l: Line) => {
    // Duplicate one field further on (first occurrence must win), or move it to the front.
    const fields = [...l.matchAll(/ [a-z0-9_]+=[^ \x1d]*/g)];
    if (fields.length === 0) return l;
    const f = fields[n % fields.length];
    const head = l.indexOf('): ');
    return n % 2 === 0 ? l + f[0] : head >= 0 ? l.slice(0, head + 2) + f[0] + l.slice(head + 2) : l;
  }),
);

const line: fc.Arbitrary<Line> = fc
  .tuple(fc.constantFrom(...REAL_LINES), fc.array(mutation, { maxLength: 4 }))
  .map(([l, ms]) => ms.reduce((acc, m) => m(acc), l));

const RECORD_FIELDS = [
  'node',
  'type',
  'timestampMs',
  'serial',
  'arch',
  'syscallNumber',
  'success',
  'a1',
  'a2',
  'pid',
  'ppid',
  'uid',
  'exe',
  'keys',
  'interpretedSyscall',
  'interpretedUid',
  'name',
  'nametype',
  'item',
  'cwd',
] as const;

function outcome(r: unknown, rec: AuditRecord) {
  const fields: Record<string, unknown> = {};
  if (r === null) for (const f of RECORD_FIELDS) fields[f] = Array.isArray(rec[f]) ? [...(rec[f] as string[])] : rec[f];
  return { r, fields };
}

// One parser of each kind for the whole run, so their caches hold (and can
// mix up) values of earlier lines, as in a long scan.
const reference = new ReferenceAuditLineParser();
const fast = new AuditLineParser();
const splitFast = new AuditLineParser();

function viaSplitter(buf: Buffer, pad: number): ReturnType<typeof outcome>[] {
  // The line inside a bigger chunk at any alignment, as the reader sees it.
  const chunk = Buffer.alloc(pad + buf.length + 1 + 3, 0x20);
  chunk[pad - 1] = 10;
  buf.copy(chunk, pad);
  chunk[pad + buf.length] = 10;
  const out: ReturnType<typeof outcome>[] = [];
  const rec = new AuditRecord();
  const s = new AuditLineSplitter(
    (b, st, e, scan) => {
      out.push(outcome(splitFast.parse(b, st, e, rec, scan), rec));
    },
    () => out.push({ r: 'line-too-long', fields: {} }),
    1 << 20,
    true,
  );
  s.push(chunk.subarray(pad % 4, pad + buf.length + 1 + (pad % 3)));
  s.end();
  return out.filter((o) => o.r !== 'empty');
}

test('fast line parsing equals the reference parser on real and broken lines', () => {
  fc.assert(
    fc.property(line, fc.integer({ min: 1, max: 9 }), (l, pad) => {
      const buf = Buffer.from(l, 'latin1');
      const refRec = new AuditRecord();
      const expected = outcome(reference.parse(buf, 0, buf.length, refRec), refRec);
      const rec = new AuditRecord();
      assert.deepEqual(outcome(fast.parse(buf, 0, buf.length, rec), rec), expected, 'unscanned');
      assert.deepEqual(outcome(fast.parse(buf, 0, buf.length, rec, classifyLineBytes(buf, 0, buf.length)), rec), expected, 'scanned');
      if (!l.includes('\n')) {
        const got = viaSplitter(buf, pad);
        if (expected.r !== 'empty') assert.deepEqual(got, [expected], 'through the splitter');
      }
    }),
    { numRuns: 10000 },
  );
});

test('every real line parses the same as with the reference parser', () => {
  const refRec = new AuditRecord();
  const rec = new AuditRecord();
  let parsed = 0;
  for (const l of REAL_LINES) {
    const buf = Buffer.from(l, 'latin1');
    const expected = outcome(reference.parse(buf, 0, buf.length, refRec), refRec);
    if (expected.r === null) parsed++;
    assert.deepEqual(outcome(fast.parse(buf, 0, buf.length, rec, classifyLineBytes(buf, 0, buf.length)), rec), expected, l);
  }
  assert.ok(parsed > 50, `${parsed} of ${REAL_LINES.length} sample lines are records`);
});

function readerRead(input: Buffer, chunkSize: number, offset: number): ReadResult {
  // Chunks at any byte offset of their ArrayBuffer, to exercise the word-aligned scan.
  const backing = Buffer.alloc(input.length + offset);
  input.copy(backing, offset);
  const events: ReadResult['events'] = [];
  const r = new AuditLogReader((e) => events.push(e));
  for (let i = 0; i < input.length; i += chunkSize) r.push(backing.subarray(offset + i, offset + Math.min(input.length, i + chunkSize)));
  const s = r.end();
  return { events, records: s.records, skipped: s.skipped, skippedReasons: s.skippedReasons };
}

test('the reader gives the same events and skips as the reference pipeline, whatever the chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...REAL_LINES) }, { weight: 1, arbitrary: line }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: 0, max: 7 }),
      fc.boolean(),
      (lines, chunkSize, offset, crlf) => {
        const input = Buffer.from(lines.join(crlf ? '\r\n' : '\n') + '\n', 'latin1');
        assert.deepEqual(readerRead(input, chunkSize, offset), referenceRead(input));
      },
    ),
    { numRuns: 400 },
  );
});

test('whole recorded logs: same events and skips as the reference pipeline', () => {
  for (const f of ['host-a.enriched.log', 'host-b.raw.log']) {
    const input = readFileSync(path.join(FIXTURES_DIR, f));
    const expected = referenceRead(input);
    assert.ok(expected.events.length > 100);
    for (const [chunk, offset] of [
      [1 << 20, 0],
      [65536, 1],
      [4093, 2],
      [777, 3],
    ]) {
      assert.deepEqual(readerRead(input, chunk, offset), expected, `${f} chunk ${chunk} offset ${offset}`);
    }
  }
});

test('a line split across chunks is scanned whole (separator and bad bytes on either side)', () => {
  const l = Buffer.from(
    REAL_LINES.find((x) => x.includes('\x1d') && x.includes('type=SYSCALL'))!,
    'latin1',
  );
  for (let cut = 0; cut <= l.length; cut += 7) {
    const scans: number[] = [];
    const s = new AuditLineSplitter(
      (b, st, e, scan) => scans.push(scan === LINE_UNSCANNED ? scan : scan - st),
      () => undefined,
      1 << 20,
      true,
    );
    s.push(l.subarray(0, cut));
    s.push(Buffer.concat([l.subarray(cut), Buffer.from('\n')]));
    s.end();
    assert.deepEqual(scans, [l.indexOf(0x1d)]);
  }
});
