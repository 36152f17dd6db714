import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow } from '@fleettune/line-input/dist/testing/hostile-input';
import {
  HotEventSource,
  HotEventSourcesParser,
  HotEventSourcesParserOptions,
  HotEventSourcesSection,
  hotEventSourcesKindFromName,
} from './hot-event-sources-parser';
import { pushInChunks } from '@fleettune/line-input/dist/testing/chunked';
import { fixture } from './testing/helpers';

function parse(input: Buffer | string, chunk = 1 << 16, options: HotEventSourcesParserOptions = {}) {
  const sources: HotEventSource[] = [];
  const sections: HotEventSourcesSection[] = [];
  const p = new HotEventSourcesParser(
    (s) => sources.push(s),
    (s) => sections.push(s),
    options,
  );
  return { sources, sections, stats: pushInChunks(p, input, chunk) };
}

const CONSOLE = fixture('mdatp_hot_event_sources_console.txt');
const FILES_JSON = fixture('mdatp_hot_event_sources_files_report.json');
const EXEC_JSON = fixture('mdatp_hot_event_sources_executables_report.json');

test('console output: files and executables sections, counts, time span, (deleted) suffix', () => {
  const { sources, sections, stats } = parse(CONSOLE);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(
    sections.map((s) => [s.kind, s.totalEvents, s.durationMs]),
    [
      ['files', 11179, 12000],
      ['executables', 47382, 18000],
    ],
  );
  const files = sources.filter((s) => s.kind === 'files');
  const execs = sources.filter((s) => s.kind === 'executables');
  assert.equal(files.length, 10);
  assert.equal(execs.length, 11);
  assert.deepEqual(files[0], { kind: 'files', path: '/mnt/RamDisk/postgres_data/pg_wal/0000000100000014000000A5', count: 2832 });
  assert.deepEqual(execs[1], { kind: 'executables', path: '/usr/lib/postgresql/12/bin/postgres', count: 5721, deleted: true });
  assert.equal(
    files.reduce((a, s) => a + s.count, 0),
    2832 + 632 + 619 + 618 + 618 + 616 + 615 + 614 + 514 + 496,
  );
});

test('JSON report: authCount + notifyCount per path, µs start/end, kind from the file name', () => {
  const { sources, sections, stats } = parse(EXEC_JSON, 1 << 16, {
    defaultKind: hotEventSourcesKindFromName('x/mdatp_hot_event_sources_executables_report.json'),
  });
  assert.equal(stats.skipped, 0);
  assert.deepEqual(sections, [
    { kind: 'executables', kindKnown: true, totalEvents: 48165, startTimeMs: 1729534260988, endTimeMs: 1729534280026, durationMs: 19038, format: 'json' },
  ]);
  assert.deepEqual(sources, [
    { kind: 'executables', path: '/usr/lib/postgresql/12/bin/psql', count: 8126, authCount: 8126, notifyCount: 0, pidCount: 2487 },
    { kind: 'executables', path: '/usr/lib/postgresql/12/bin/postgres', count: 5127, authCount: 5127, notifyCount: 0, pidCount: 2144 },
  ]);
  const f = parse(FILES_JSON);
  assert.equal(f.sections[0].kind, 'files');
  assert.equal(f.sections[0].kindKnown, false);
  assert.deepEqual(
    f.sources.map((s) => s.count),
    [2832, 632],
  );
});

test('a report cut short keeps its complete entries', () => {
  const text = FILES_JSON.toString('utf8');
  const { sources, stats } = parse(text.slice(0, text.lastIndexOf('"pidCount"')));
  assert.deepEqual(
    sources.map((s) => s.path),
    ['/mnt/RamDisk/postgres_data/pg_wal/0000000100000014000000A5'],
  );
  assert.deepEqual(stats.skippedReasons, { 'truncated-json': 1 });
});

test('property: any bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new HotEventSourcesParser(() => undefined));
});

test('property: chunking and noise lines before a report never change its entries', () => {
  const clean = JSON.stringify(parse(EXEC_JSON).sources);
  const noise = fc.oneof(
    fc.string({ maxLength: 80 }).map((s) => 'x' + s.replace(/[\r\n{[]/g, ' ')),
    fc
      .uint8Array({ maxLength: 80 })
      .map((a) => Buffer.from([0x21, ...a.filter((b) => b !== 0x0a && b !== 0x0d && b !== 0x7b && b !== 0x5b)]).toString('latin1')),
  );
  fc.assert(
    fc.property(fc.array(noise, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (lines, chunk) => {
      const { sources, stats } = parse(Buffer.concat([Buffer.from(lines.map((l) => l + '\n').join(''), 'latin1'), EXEC_JSON]), chunk);
      assert.equal(JSON.stringify(sources), clean);
      assert.equal(stats.skipped, lines.length);
    }),
    { numRuns: 200 },
  );
});

test('property: truncating the console output anywhere only loses rows, never invents counts', () => {
  const full = parse(CONSOLE).sources;
  fc.assert(
    fc.property(fc.nat(CONSOLE.length), (cut) => {
      const { sources } = parse(CONSOLE.subarray(0, cut));
      assert.ok(sources.length <= full.length);
      sources.forEach((s, i) => {
        if (i < sources.length - 1) assert.deepEqual(s, full[i]);
        else {
          // the last row may be cut inside its path (or count digits): a prefix of the real row
          assert.equal(s.kind, full[i].kind);
          assert.ok(full[i].path.startsWith(s.path) || (full[i].path + ' (deleted)').startsWith(s.path));
        }
      });
    }),
    { numRuns: 300 },
  );
});
