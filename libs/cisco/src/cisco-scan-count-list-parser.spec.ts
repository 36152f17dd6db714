import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow } from '@fleettune/line-input/dist/testing/hostile-input';
import { CiscoScanCountListParser, CiscoScanCountRow, CiscoScanListKind, ciscoListKindFromName } from './cisco-scan-count-list-parser';
import { pushInChunks } from '@fleettune/line-input/dist/testing/chunked';
import { fixture } from './testing/helpers';

function parse(input: Buffer | string, kind: CiscoScanListKind = 'execs', chunk = 1 << 16) {
  const rows: CiscoScanCountRow[] = [];
  const stats = pushInChunks(new CiscoScanCountListParser((r) => rows.push(r), { kind }), input, chunk);
  return { rows, stats };
}
const brief = (rows: CiscoScanCountRow[]) => rows.map((r) => [r.path, r.count]);

// The two Support Tool lists, each read with the kind its file name says.
const LISTS: Array<{ name: string; file: string; path: string; kind: CiscoScanListKind; rows: Array<[string, number]> }> = [
  {
    name: 'execs.txt, count first',
    file: 'execs.txt',
    path: '/tmp/x/execs.txt',
    kind: 'execs',
    rows: [
      ['/bin/rm', 1523],
      ['/bin/bash', 1200],
      ['/usr/bin/grep', 87],
      ['/Applications/Foo Bar.app/Contents/MacOS/Foo Bar', 5],
    ],
  },
  {
    name: 'fileops.txt, path first (tab or space), paths with spaces',
    file: 'fileops.txt',
    path: 'fileops.txt',
    kind: 'fileops',
    rows: [
      ['/Users/dev/Library/Logs/Foo/foo.log', 4100],
      ['/Users/dev/Library/Caches/Foo/tmp 1.db', 977],
      ['/private/var/folders/xy/T/a.tmp', 12],
    ],
  },
];

for (const list of LISTS) {
  test(list.name, () => {
    const { rows, stats } = parse(fixture(list.file), ciscoListKindFromName(list.path));
    assert.equal(stats.skipped, 0);
    assert.deepEqual(brief(rows), list.rows);
    assert.equal(rows[0].kind, list.kind);
  });
}

test('other separators, quotes, header and unparseable lines reported with line numbers', () => {
  const { rows, stats } = parse('Count  Path\n12,/a/b\n"/c d",7\n/e: 3\n9 | /f\nnot a row\n\n  \n/only/path\n');
  assert.deepEqual(brief(rows), [
    ['/a/b', 12],
    ['/c d', 7],
    ['/e', 3],
    ['/f', 9],
  ]);
  assert.deepEqual(stats.skippedReasons, { unparseable: 3 });
  assert.match(stats.messages[0], /^line 1: neither/);
});

test('numbers on both sides: the /path side wins, else the order most lines used', () => {
  assert.deepEqual(brief(parse('12 /tmp/x 34\n').rows), [['/tmp/x 34', 12]]);
  assert.deepEqual(brief(parse('/tmp/1 2\n').rows), [['/tmp/1', 2]]);
  assert.deepEqual(brief(parse('5 app 6\n7 /bin/a\n8 /bin/b\n').rows), [
    ['/bin/a', 7],
    ['/bin/b', 8],
    ['app 6', 5],
  ]);
  assert.deepEqual(brief(parse('5 app 6\n/bin/a 7\n').rows), [
    ['/bin/a', 7],
    ['5 app', 6],
  ]);
  const alone = parse('5 app 6\n');
  assert.deepEqual(alone.rows, []);
  assert.deepEqual(alone.stats.skippedReasons, { ambiguous: 1 });
});

test('invalid UTF-8, control bytes, huge counts and a 10 MB line are skipped with reasons', () => {
  const input = Buffer.concat([
    Buffer.from('3 /ok\n'),
    Buffer.from([0x34, 0x20, 0x2f, 0xff, 0xfe, 0x0a]),
    Buffer.from('5 /a\u0001b\n99999999999999999999 /big\n'),
    Buffer.from('7 /' + 'x'.repeat(10 * 1024 * 1024) + '\n'),
    Buffer.from('/last 8'),
  ]);
  const { rows, stats } = parse(input, 'fileops', 1 << 16);
  assert.deepEqual(brief(rows), [
    ['/ok', 3],
    ['/last', 8],
  ]);
  assert.deepEqual(stats.skippedReasons, { 'invalid-utf8': 1, 'control-bytes': 1, 'bad-count': 1, 'line-too-long': 1 });
});

test('property: any bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new CiscoScanCountListParser(() => undefined, { kind: 'execs' }));
});

test('property: noise lines anywhere never change the rows, each is one skip', () => {
  const base = fixture('execs.txt').toString('utf8').split('\n').filter(Boolean);
  const clean = brief(parse(fixture('execs.txt')).rows);
  const noise = fc.oneof(
    fc.string({ maxLength: 60 }).map((s) => 'zz' + s.replace(/[\r\n\d]/g, ' ')),
    fc.uint8Array({ minLength: 1, maxLength: 60 }).map((a) => Buffer.from([0xff, ...a.filter((b) => b !== 0x0a)]).toString('latin1')),
    fc.constantFrom('\u0000\u0001 1 /x', 'Total: lots'),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length), noise), { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (ins, chunk) => {
      const l = [...base];
      for (const [at, n] of ins) l.splice(at % (l.length + 1), 0, n);
      const { rows, stats } = parse(Buffer.from(l.join('\n') + '\n', 'latin1'), 'execs', chunk);
      assert.deepEqual(brief(rows), clean);
      assert.equal(stats.skipped, ins.length);
    }),
    { numRuns: 200 },
  );
});

test('property: generated rows in either order read back exactly', () => {
  const seg = fc.stringMatching(/^[A-Za-z0-9._ -]{1,12}$/).filter((s) => s.trim() === s && s.length > 0);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.array(seg, { minLength: 1, maxLength: 4 }), fc.nat(1e9), fc.boolean()), { maxLength: 30 }), (rows) => {
      const text = rows.map(([segs, n, countFirst]) => (countFirst ? `${n} /${segs.join('/')}` : `/${segs.join('/')}\t${n}`)).join('\n');
      const { rows: got, stats } = parse(text);
      assert.equal(stats.skipped, 0);
      assert.deepEqual(
        brief(got),
        rows.map(([segs, n]) => [`/${segs.join('/')}`, n]),
      );
    }),
    { numRuns: 200 },
  );
});
