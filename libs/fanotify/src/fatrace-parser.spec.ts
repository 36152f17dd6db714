import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ObservedEvent } from '@fleettune/counting';
import { FatraceJsonParser, FatraceTextParser, fatraceTypesToOps, parseFatrace } from './fatrace-parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const RECORDED = path.join(FIXTURES, 'recorded');
const BASE_DATE = new Date(2026, 10, 24, 12).getTime(); // the recordings' day (local time)

interface OpCounts {
  events: number;
  modify: number;
  open: number;
  other: number;
  create: number;
  delete: number;
  rename: number;
}

function countOps(events: ObservedEvent[]): OpCounts {
  const c: OpCounts = { events: events.length, modify: 0, open: 0, other: 0, create: 0, delete: 0, rename: 0 };
  for (const e of events) for (const f of e.files) c[f.op as keyof OpCounts]++;
  return c;
}

/**
 * The independent count: one awk program over the TYPES field of every line
 * (text: the token after `): ` or `]: `; JSON: the "types" value), skipping
 * lines without a path (text `device M:N inode I`, JSON without path/path_raw).
 * A line counts modify if TYPES has W, else open if O or R, else other if C;
 * and create/delete/rename for +, D, < or >.
 */
const AWK_COUNT = String.raw`
{
  if (json) {
    if (!match($0, /"types":"[^"]*"/)) next
    t = substr($0, RSTART + 9, RLENGTH - 10)
    nopath = ($0 !~ /"path(_raw)?":/)
  } else {
    if (!match($0, /\)( \[[0-9]+:[0-9]+\])?: [CROW+D<>]+ /)) next
    t = substr($0, RSTART, RLENGTH); sub(/^.*: /, "", t); sub(/ $/, "", t)
    nopath = ($0 ~ /: [CROW+D<>]+ +device [0-9]+:[0-9]+ inode [0-9]+$/)
  }
  n++
  if (nopath) next
  if (t ~ /W/) m++; else if (t ~ /[OR]/) o++; else if (t ~ /C/) c++
  if (t ~ /\+/) cr++
  if (t ~ /D/) d++
  if (t ~ /[<>]/) r++
}
END { printf "%d %d %d %d %d %d %d", n, m, o, c, cr, d, r }`;

function awkCount(file: string): OpCounts {
  const json = file.endsWith('.jsonl') ? '1' : '0';
  const out = execFileSync('awk', ['-v', `json=${json}`, AWK_COUNT, file], { encoding: 'latin1' });
  const [events, modify, open, other, create, del, rename] = out.trim().split(' ').map(Number);
  return { events, modify, open, other, create, delete: del, rename };
}

const recorded = readdirSync(RECORDED).filter((f) => f.endsWith('.txt') || f.endsWith('.jsonl'));

test('there are real recordings of every variant', () => {
  for (const v of ['text-default', 'text-t', 'text-tt-u', 'text-t-u-e-P', 'json-default', 'json-t', 'json-tt-u-e-P']) {
    assert.ok(
      recorded.some((f) => f.startsWith(v + '.')),
      v,
    );
    assert.ok(
      recorded.some((f) => f.startsWith('workload-' + v + '.')),
      'workload-' + v,
    );
  }
});

for (const file of recorded) {
  test(`recorded ${file}: counts equal the awk count, nothing skipped`, () => {
    const { events, stats } = parseFatrace(readFileSync(path.join(RECORDED, file)), { baseDateMs: BASE_DATE, now: () => 0 });
    assert.equal(stats.skipped, 0, JSON.stringify(stats.skippedReasons));
    const expected = awkCount(path.join(RECORDED, file));
    assert.ok(expected.events > 80, 'a real recording');
    assert.deepEqual(countOps(events), expected);
    assert.equal(stats.events, expected.events);
  });
}

test('text and -j recordings of the same workload agree on directory events (rename, create on the dir)', () => {
  for (const f of recorded.filter((x) => x.startsWith('workload-'))) {
    const { events } = parseFatrace(readFileSync(path.join(RECORDED, f)), { baseDateMs: BASE_DATE, now: () => 0 });
    const dirOps = events.flatMap((e) => e.files).filter((x) => x.op === 'create' || x.op === 'delete' || x.op === 'rename');
    assert.ok(dirOps.length > 10, f);
    // directory events carry the directory, never the entry's name
    for (const x of dirOps) assert.equal(x.path, '/tmp/fatrace-workload-mnt', f);
  }
});

test('-t time of day is put on the base day; -tt epoch seconds; no -t uses now()', () => {
  const t = parseFatrace(readFileSync(path.join(RECORDED, 'workload-text-t.txt')), { baseDateMs: BASE_DATE });
  const [hh, mm, ss] = readFileSync(path.join(RECORDED, 'workload-text-t.txt'), 'latin1').slice(0, 15).split(':');
  assert.equal(t.events[0].timestampMs, new Date(2026, 10, 24, +hh, +mm, 0).getTime() + Math.round(+ss * 1e6) / 1e3);
  const tt = parseFatrace('1795499307.618984 record-fatrace.(20541) [0:0]: +   /tmp/x\n');
  assert.equal(tt.events[0].timestampMs, 1795499307618.984);
  const none = parseFatrace('rsyslogd(875): W /var/log/auth.log\n', { now: () => 42 });
  assert.equal(none.events[0].timestampMs, 42);
});

test('-t stamps that pass midnight move to the next day', () => {
  const { events } = parseFatrace('23:59:59.900000 a(1): W /x\n00:00:00.100000 a(1): W /x\n', { baseDateMs: BASE_DATE });
  assert.equal(events[1].timestampMs - events[0].timestampMs, 200);
});

test('the man page examples: W file, and a path fatrace could not resolve', () => {
  const { events, stats } = parseFatrace(readFileSync(path.join(FIXTURES, 'fatrace_text_examples.txt')), { now: () => 1 });
  assert.equal(stats.skipped, 0);
  assert.deepEqual(events[0].files, [{ path: '/var/log/auth.log', op: 'modify', processPath: '' }]);
  assert.deepEqual(events[1].files, []);
  assert.equal(stats.events, 2);
});

test('-e gives the initiator; parents and spaces in paths and exes are handled', () => {
  const line =
    '05:46:36.297074 record-fatrace.(15684) [0:0]: CWO /var/tmp/w/root with space.txt exe=/usr/bin/bash, parents=(pid=15675 comm=bash exe=/usr/bin/bash),(pid=10461 comm=memfd:sealed-91 exe=/memfd:sealed-91173221a7ea (deleted)),(pid=1 comm=process_api)';
  const { events } = parseFatrace(line + '\n', { baseDateMs: BASE_DATE });
  assert.deepEqual(events[0].files, [{ path: '/var/tmp/w/root with space.txt', op: 'modify', processPath: '/usr/bin/bash' }]);
  const j = parseFatrace(
    '{"timestamp":1795499205.612843,"comm":"x","pid":1,"uid":0,"gid":0,"types":"+","path":"/var/tmp","exe":"/memfd:a (deleted)","parents":[{"pid":1,"comm":"init"}]}\n',
  );
  assert.deepEqual(j.events[0].files, [{ path: '/var/tmp', op: 'create', processPath: '/memfd:a (deleted)' }]);
});

test('a name that is not UTF-8 is the same path in text (raw bytes) and JSON (path_raw)', () => {
  const text = readFileSync(path.join(RECORDED, 'workload-text-tt-u.txt'));
  const json = readFileSync(path.join(RECORDED, 'workload-json-default.jsonl'));
  const bad = (evs: ObservedEvent[]) => new Set(evs.flatMap((e) => e.files.map((f) => f.path)).filter((p) => p.includes('\\x')));
  assert.ok(bad(parseFatrace(text).events).has('/tmp/fatrace-workload-mnt/root-bad\\xffname'));
  assert.ok(bad(parseFatrace(json).events).has('/tmp/fatrace-workload-mnt/root-bad\\xffname'));
});

test('a JSON record without path (real: `{"comm":"npm install","pid":14975,"types":"CWO"}`) is an event without files', () => {
  const { events, stats } = parseFatrace('{"comm":"npm install","pid":14975,"types":"CWO"}\n', { now: () => 5 });
  assert.equal(stats.events, 1);
  assert.deepEqual(events[0].files, []);
});

test('the type letters map as documented', () => {
  assert.deepEqual(fatraceTypesToOps('CW'), ['modify']);
  assert.deepEqual(fatraceTypesToOps('W'), ['modify']);
  assert.deepEqual(fatraceTypesToOps('RCWO'), ['modify']);
  assert.deepEqual(fatraceTypesToOps('O'), ['open']);
  assert.deepEqual(fatraceTypesToOps('RC'), ['open']);
  assert.deepEqual(fatraceTypesToOps('C'), ['other']);
  assert.deepEqual(fatraceTypesToOps('+'), ['create']);
  assert.deepEqual(fatraceTypesToOps('D'), ['delete']);
  assert.deepEqual(fatraceTypesToOps('<>'), ['rename']);
  assert.deepEqual(fatraceTypesToOps('+<>'), ['create', 'rename']);
  assert.equal(fatraceTypesToOps('X'), undefined);
});

test('the text and JSON parsers only accept their own format', () => {
  const text = 'a(1): W /x\n';
  const json = '{"pid":1,"types":"W","path":"/x"}\n';
  const run = (P: typeof FatraceTextParser | typeof FatraceJsonParser, s: string) => {
    const p = new P(() => undefined, { now: () => 0 });
    p.push(Buffer.from(s));
    return p.end();
  };
  assert.equal(run(FatraceTextParser, text).events, 1);
  assert.equal(run(FatraceTextParser, json).skipped, 1);
  assert.equal(run(FatraceJsonParser, json).events, 1);
  assert.deepEqual(run(FatraceJsonParser, text).skippedReasons, { 'bad-json': 1 });
});

test('real -P output without -e, recorded with 2>&1: parents cut off, the stderr line skipped', () => {
  const { events, stats } = parseFatrace(readFileSync(path.join(FIXTURES, 'fatrace_P_with_stderr.txt')), { now: () => 0 });
  assert.deepEqual(stats.skippedReasons, { unrecognized: 1 }); // `fatrace: failed to open /proc/5153: …`
  assert.deepEqual(
    events.map((e) => e.files),
    [
      [{ path: '/tmp/ftw2', op: 'create', processPath: '' }],
      [{ path: '/tmp/ftw2/a', op: 'modify', processPath: '' }],
      [{ path: '/tmp/ftw2', op: 'delete', processPath: '' }],
    ],
  );
});

test('a last text line without its newline (cut while written) is skipped as truncated; a whole JSON one counts', () => {
  const t = parseFatrace('a(1): W /var/log/x.log\na(1): W /var/lo', { now: () => 0 });
  assert.deepEqual(t.stats.skippedReasons, { truncated: 1 });
  assert.equal(t.events.length, 1);
  const j = parseFatrace('{"pid":1,"types":"W","path":"/x"}', { now: () => 0 });
  assert.equal(j.stats.events, 1);
  const cut = parseFatrace('{"pid":1,"types":"W","path":"/x', { now: () => 0 });
  assert.deepEqual(cut.stats.skippedReasons, { 'bad-json': 1 });
});
