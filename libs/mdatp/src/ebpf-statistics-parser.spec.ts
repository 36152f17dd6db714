import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow } from '@fleettune/line-input/dist/testing/hostile-input';
import { EbpfStatisticsParser, EbpfStatisticsParserOptions, EbpfStatisticsRow } from './ebpf-statistics-parser';
import { pushInChunks } from '@fleettune/line-input/dist/testing/chunked';
import { fixture } from './testing/helpers';

function parse(input: Buffer | string, chunk = 1 << 16, options: EbpfStatisticsParserOptions = {}) {
  const rows: EbpfStatisticsRow[] = [];
  const stats = pushInChunks(new EbpfStatisticsParser((r) => rows.push(r), options), input, chunk);
  return { rows, stats };
}

const SAMPLE = fixture('mdatp_ebpf_statistics.txt');

test('real sample: initiator paths and syscall ids (named on x86_64)', () => {
  const { rows, stats } = parse(SAMPLE);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(
    rows.filter((r) => r.section === 'initiators'),
    [
      { section: 'initiators', path: '/usr/lib/postgresql/12/bin/psql', count: 902 },
      { section: 'initiators', path: '/usr/bin/clamscan', count: 349 },
      { section: 'initiators', path: '/usr/sbin/zabbix_agent2', count: 27 },
      { section: 'initiators', path: '/usr/lib/postgresql/12/bin/postgres', count: 10 },
    ],
  );
  const sys = rows.flatMap((r) => (r.section === 'syscalls' ? [[r.number, r.syscall, r.count]] : []));
  assert.deepEqual(sys.slice(0, 5), [
    [80, 'chdir', 9034],
    [57, 'fork', 8932],
    [60, 'exit', 8929],
    [59, 'execve', 4942],
    [112, 'setsid', 4898],
  ]);
  assert.equal(sys.length, 10);
});

test("arch 'none' keeps numbers; a path holding ' : ' splits at the last one", () => {
  const { rows } = parse('Top initiator paths:\n/opt/a : b/x : 5\nTop syscall ids:\n59 : 3\n', 1 << 16, { arch: 'none' });
  assert.deepEqual(rows, [
    { section: 'initiators', path: '/opt/a : b/x', count: 5 },
    { section: 'syscalls', number: 59, syscall: '59', count: 3 },
  ]);
});

test('rows outside a section, bad counts and a 10 MB line are skipped with reasons', () => {
  const { rows, stats } = parse('/x : 1\nTop syscall ids:\nabc : 4\n59 : x\n' + 'y'.repeat(10 * 1024 * 1024) + '\n59 : 2\n', 1 << 16);
  assert.deepEqual(rows, [{ section: 'syscalls', number: 59, syscall: 'execve', count: 2 }]);
  assert.deepEqual(stats.skippedReasons, { 'text-line': 1, 'bad-row': 2, 'line-too-long': 1 });
});

test('property: any bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new EbpfStatisticsParser(() => undefined));
});

test('property: noise lines inserted anywhere never change the rows, each is one skip', () => {
  const lines = SAMPLE.toString('utf8').split('\n');
  const clean = JSON.stringify(parse(SAMPLE).rows);
  const noise = fc.oneof(
    fc.string({ maxLength: 60 }).map((s) => 'zz' + s.replace(/[\r\n:]/g, ' ')),
    fc.uint8Array({ minLength: 1, maxLength: 60 }).map((a) => Buffer.from([0xff, ...a.filter((b) => b !== 0x0a)]).toString('latin1')),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(lines.length), noise), { maxLength: 8 }), fc.integer({ min: 1, max: 200 }), (ins, chunk) => {
      const l = [...lines];
      for (const [at, n] of ins) l.splice(at % (l.length + 1), 0, n);
      const { rows, stats } = parse(Buffer.from(l.join('\n'), 'latin1'), chunk);
      assert.equal(JSON.stringify(rows), clean);
      assert.equal(stats.skipped, ins.length);
    }),
    { numRuns: 200 },
  );
});
