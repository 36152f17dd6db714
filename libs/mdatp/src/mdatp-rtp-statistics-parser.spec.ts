import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow } from '@fleettune/line-input/dist/testing/hostile-input';
import { MdatpRtpPoll, MdatpRtpStatisticsParser, MdatpRtpParseStats } from './mdatp-rtp-statistics-parser';
import { MdatpRtpDeltaTracker } from './mdatp-rtp-delta-tracker';
import { formatHighCpuParser, MdatpRtpSummarizer } from './mdatp-rtp-summary';
import { pushInChunks } from '@fleettune/line-input/dist/testing/chunked';
import { fixture, show } from './testing/helpers';

function parse(input: Buffer | string, chunk = 1 << 16): { polls: MdatpRtpPoll[]; stats: MdatpRtpParseStats } {
  const polls: MdatpRtpPoll[] = [];
  const stats = pushInChunks(new MdatpRtpStatisticsParser((x) => polls.push(x)), input, chunk);
  return { polls, stats };
}

const SAMPLE = fixture('mdatp_rtp_statistics_macos_excerpt.json');

test('real macOS capture: 8 counters, numbers from strings, null name/path, ns times', () => {
  const { polls, stats } = parse(SAMPLE);
  assert.equal(stats.skipped, 0);
  assert.equal(polls.length, 1);
  assert.equal(polls[0].complete, true);
  const c = polls[0].counters;
  assert.equal(c.length, 8);
  assert.deepEqual(c[0], {
    pid: 1,
    name: 'launchd',
    path: '/sbin/launchd',
    isActive: true,
    filesScanned: 2071,
    scanTimeNs: 35706172777n,
    maxFileScanTimeNs: 143635500n,
  });
  assert.deepEqual([c[7].pid, c[7].name, c[7].path, c[7].filesScanned], [91498, null, null, 1]);
});

test('high_cpu_parser.py views: per pid (id name count path) and --group by name, zero counts left out', () => {
  const { polls } = parse(SAMPLE);
  const s = new MdatpRtpSummarizer();
  for (const d of new MdatpRtpDeltaTracker().add(polls[0]).deltas) s.add(d);
  const sum = s.build();
  assert.equal(
    formatHighCpuParser(sum),
    [
      '1\tlaunchd\t2071\t/sbin/launchd',
      '562\topendirectoryd\t568\t/usr/libexec/opendirectoryd',
      '537\tbiomed\t312\t/System/Library/PrivateFrameworks/BiomeStreams.framework/Support/biomed',
      '535\tpowerd\t68\t/System/Library/CoreServices/powerd.bundle/powerd',
      '91470\tNone\t26\tNone',
      '561\tthermalmonitord\t14\t/usr/libexec/thermalmonitord',
      '533\tconfigd\t5\t/usr/libexec/configd',
      '91498\tNone\t1\tNone',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    sum.byName.map((n) => [n.name, n.filesScanned, n.pids]),
    [
      ['launchd', 2071, 1],
      ['opendirectoryd', 568, 1],
      ['biomed', 312, 1],
      ['powerd', 68, 1],
      ['None', 27, 2],
      ['thermalmonitord', 14, 1],
      ['configd', 5, 1],
    ],
  );
  assert.equal(sum.totalFilesScanned, 2071 + 5 + 68 + 312 + 14 + 568 + 26 + 1);
  assert.equal(sum.processes[0].scanTimeNs, 35706172777);
});

test('snake_case keys, numbers as JSON numbers, duplicate keys, pid given as text', () => {
  const doc =
    '{"counters":[{"id":"7","name":"a","path":"/a","total_files_scanned":12,"total_scan_time":"99","max_file_scan_time":5},' +
    '{"id":8,"name":"b","name":"b2","path":"/b","totalFilesScanned":"3"}]}';
  const { polls, stats } = parse(doc);
  assert.equal(stats.skipped, 0);
  assert.equal(
    show(polls[0].counters),
    show([
      { pid: 7, name: 'a', path: '/a', filesScanned: 12, scanTimeNs: 99n, maxFileScanTimeNs: 5n },
      { pid: 8, name: 'b2', path: '/b', filesScanned: 3, scanTimeNs: 0n, maxFileScanTimeNs: 0n },
    ]),
  );
});

test('scan time beyond 2^53 ns stays exact', () => {
  const { polls } = parse('{"counters":[{"id":1,"name":"x","path":"/x","totalFilesScanned":"1","totalScanTime":"98765432109876543210"}]}');
  assert.equal(polls[0].counters[0].scanTimeNs, 98765432109876543210n);
});

test('the text form (--sort --top N) is read, and marked incomplete', () => {
  const { polls, stats } = parse(fixture('mdatp_rtp_statistics_text_sorted.txt'));
  assert.equal(stats.skipped, 0);
  assert.equal(polls.length, 1);
  assert.equal(polls[0].complete, false);
  assert.deepEqual(
    polls[0].counters.map((c) => [c.pid, c.name, c.path, c.filesScanned, c.scanTimeNs]),
    [
      [560, 'NetworkManager', '/usr/sbin/NetworkManager', 261, 3070788919n],
      [1709561, 'snapd', '/snap/snapd/23545/usr/lib/snapd/snapd', 247, 19926516003n],
      [596, 'systemd-logind', '/usr/lib/systemd/systemd-logind', 29, 716836547n],
      [1977683, 'cupsd', '/usr/sbin/cupsd', 20, 985110892n],
    ],
  );
});

test('truncated JSON: complete counters kept, poll incomplete, clear message', () => {
  const text = SAMPLE.toString('utf8');
  const cut = text.indexOf('"id": 537') + 20; // inside the 4th counter
  const { polls, stats } = parse(text.slice(0, cut));
  assert.equal(polls.length, 1);
  assert.equal(polls[0].complete, false);
  assert.deepEqual(
    polls[0].counters.map((c) => c.pid),
    [1, 533, 535],
  );
  assert.deepEqual(stats.skippedReasons, { 'truncated-json': 1 });
  assert.match(stats.messages[0], /ends midway after 3 complete counter/);
});

test('JSON cut before the counters array: skipped with a reason, nothing emitted', () => {
  const { polls, stats } = parse('{ "coun');
  assert.equal(polls.length, 0);
  assert.deepEqual(stats.skippedReasons, { 'truncated-json': 1 });
});

test('successive polls appended to one stream (pretty and one per line), with poll-time markers', () => {
  const a = SAMPLE.toString('utf8');
  const b = JSON.stringify({ counters: [{ id: 1, name: 'launchd', path: '/sbin/launchd', totalFilesScanned: '2100', totalScanTime: '35706172999' }] });
  const input = `{"pollTimeMs": 1732426000000}\n${a}\n{"pollTimeMs": 1732426060000}\n${b}\n${b}\n`;
  const { polls, stats } = parse(input, 7);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(
    polls.map((p) => [p.index, p.counters.length, p.pollTimeMs]),
    [
      [0, 8, 1732426000000],
      [1, 1, 1732426060000],
      [2, 1, undefined],
    ],
  );
});

test('a truncated poll followed by the next poll: the next one is still read whole', () => {
  const a = SAMPLE.toString('utf8');
  const cut = a.slice(0, a.indexOf('"id": 561'));
  const { polls, stats } = parse(cut + '\n' + a);
  assert.deepEqual(
    polls.map((p) => [p.counters.length, p.complete]),
    [
      [4, false],
      [8, true],
    ],
  );
  assert.deepEqual(stats.skippedReasons, { 'truncated-json': 1 });
});

test('null counters (tamper protection) and documents without counters are skipped with a reason', () => {
  const { polls, stats } = parse('{"counters": null}\n{"foo": 1, "bar": 2, "baz": 3, "qux": 4}\n');
  assert.equal(polls.length, 0);
  assert.deepEqual(stats.skippedReasons, { 'no-counters': 2 });
});

test('a counter with a non-UTF-8 path is skipped, the others kept', () => {
  const good = Buffer.from('{"counters":[{"id":1,"path":"/ok","totalFilesScanned":"4"},{"id":2,"path":"/bad');
  const input = Buffer.concat([good, Buffer.from([0xff, 0xfe]), Buffer.from('","totalFilesScanned":"9"}]}')]);
  const { polls, stats } = parse(input);
  assert.deepEqual(
    polls[0].counters.map((c) => c.pid),
    [1],
  );
  assert.equal(polls[0].complete, false);
  assert.deepEqual(stats.skippedReasons, { 'invalid-utf8': 1 });
});

test('a counter with no usable id / files count is skipped, the others kept', () => {
  const { polls, stats } = parse('{"counters":[{"id":1,"totalFilesScanned":"x"},{"name":"n","totalFilesScanned":"1"},{"id":3,"totalFilesScanned":"2"},7]}');
  assert.deepEqual(
    polls[0].counters.map((c) => c.pid),
    [3],
  );
  assert.deepEqual(stats.skippedReasons, { 'bad-counter': 3 });
});

test('a 10 MB line of noise is skipped as line-too-long; the poll after it counts', () => {
  const { polls, stats } = parse(Buffer.concat([Buffer.from('x'.repeat(10 * 1024 * 1024) + '\n'), SAMPLE]), 1 << 16);
  assert.deepEqual(stats.skippedReasons, { 'line-too-long': 1 });
  assert.equal(polls[0].counters.length, 8);
});

test('a document over the size limit is skipped without buffering it', () => {
  const polls: MdatpRtpPoll[] = [];
  const p = new MdatpRtpStatisticsParser((x) => polls.push(x), { maxDocumentBytes: 1000 });
  p.push(SAMPLE);
  p.push(Buffer.from('\n{"counters":[{"id":1,"totalFilesScanned":"1"}]}\n'));
  const s = p.end();
  assert.deepEqual(s.skippedReasons, { 'document-too-large': 1 });
  assert.equal(polls.length, 1);
});

// ---- properties

test('property: any bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new MdatpRtpStatisticsParser(() => undefined));
});

test('property: any chunking gives the same polls', () => {
  const whole = show(parse(SAMPLE).polls);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), (size) => {
      assert.equal(show(parse(SAMPLE, size).polls), whole);
    }),
    { numRuns: 100 },
  );
});

test('property: truncating the output anywhere never throws and only keeps real counters', () => {
  const full = parse(SAMPLE).polls[0].counters.map((c) => show(c));
  fc.assert(
    fc.property(fc.nat(SAMPLE.length), (cut) => {
      const { polls, stats } = parse(SAMPLE.subarray(0, cut));
      for (const p of polls) {
        assert.equal(p.complete, cut === SAMPLE.length || /^\s*$/.test(SAMPLE.subarray(cut).toString()));
        assert.deepEqual(
          p.counters.map((c) => show(c)),
          full.slice(0, p.counters.length),
        );
      }
      if (polls.length === 0 || !polls[0].complete) assert.ok(stats.skipped >= (cut > 0 && !/^\s*$/.test(SAMPLE.subarray(0, cut).toString()) ? 1 : 0));
    }),
    { numRuns: 300 },
  );
});

const noiseLine = fc.oneof(
  fc.string({ maxLength: 120 }).map((s) => 'x' + s.replace(/[\r\n{[]/g, ' ')),
  fc
    .uint8Array({ maxLength: 120 })
    .map((a) => Buffer.from([0x21, ...a.filter((b) => b !== 0x0a && b !== 0x7b && b !== 0x5b && b !== 0x0d)]).toString('latin1')),
  fc.constantFrom(
    'Process id: x',
    'ERROR: real-time protection statistics are disabled',
    '\u0000\u0001garbage',
    '} ] } stray closers',
    'Total files scanned: 5',
  ),
);

test('property: noise lines between polls never change the counters, only skipped', () => {
  const poll = SAMPLE.toString('latin1');
  const clean = show(parse(SAMPLE).polls[0].counters);
  fc.assert(
    fc.property(fc.array(noiseLine, { maxLength: 6 }), fc.array(noiseLine, { maxLength: 6 }), fc.integer({ min: 1, max: 400 }), (before, after, chunk) => {
      const input = Buffer.from([...before, poll, ...after].join('\n') + '\n', 'latin1');
      const { polls, stats } = parse(input, chunk);
      const real = polls.filter((p) => p.format === 'json');
      assert.equal(real.length, 1);
      assert.equal(show(real[0].counters), clean);
      assert.ok(stats.skipped >= 1 || before.length + after.length === 0);
    }),
    { numRuns: 200 },
  );
});

test('property: corrupting bytes inside one counter never changes any other counter', () => {
  const original = new Set(parse(SAMPLE).polls[0].counters.map((c) => show(c)));
  fc.assert(
    fc.property(fc.nat(SAMPLE.length - 1), fc.integer({ min: 1, max: 4 }), fc.uint8Array({ minLength: 1, maxLength: 4 }), (at, len, bytes) => {
      const b = Buffer.from(SAMPLE);
      for (let i = 0; i < len && at + i < b.length; i++) b[at + i] = bytes[i % bytes.length];
      const { polls } = parse(b);
      const changed = polls.flatMap((p) => p.counters).filter((c) => !original.has(show(c)));
      // only the counter that held the bytes may differ (its own data was changed)
      assert.ok(changed.length <= 1, show(changed));
    }),
    { numRuns: 1000 },
  );
});
