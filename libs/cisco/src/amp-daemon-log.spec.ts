import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAnyBytesNeverThrow } from '@fleettune/line-input/dist/testing/hostile-input';
import type { ObservedEvent } from '@fleettune/counting';
import { AmpDaemonLogParser, AmpDaemonRx } from './amp-daemon-log-parser';
import { AmpDaemonLogReader, AmpDaemonLogReaderOptions } from './amp-daemon-log-reader';
import { ProcessNode, ProcessTreeRebuilder } from './process-tree-rebuilder';
import { parseDsclUsers } from './dscl-users';
import { inferSyslogTime, parseLineTimestamp } from './syslog-time';
import { pushInChunks } from '@fleettune/line-input/dist/testing/chunked';
import { fixture } from './testing/helpers';

const LOG = fixture('ampdaemon.log');
/** The fixture's lines are from Aug 2026 in UTC; the reference is a day later. */
const OPTS = { referenceMs: Date.UTC(2026, 7, 20), utcOffsetMinutes: 0 };

function read(input: Buffer | string, options: AmpDaemonLogReaderOptions = OPTS, chunk = 1 << 16) {
  const events: ObservedEvent[] = [];
  const chains: Array<[string, ProcessNode[]]> = [];
  const r = new AmpDaemonLogReader((e) => events.push(e), { ...options, onExecChain: (rx, ch) => chains.push([rx.path, ch]) });
  const stats = pushInChunks(r, input, chunk);
  return { events, chains, stats, tree: r.tree };
}

test("the tuning guide's example line, field by field", () => {
  const rxs: AmpDaemonRx[] = [];
  const p = new AmpDaemonLogParser((r) => rxs.push(r), OPTS);
  p.push(
    Buffer.from(
      'Aug 19 09:47:29 devs-Mac.local [2537] [fileop]:[info]-[kext_processor.c@938]:[210962]: Daemon Rx: VNODE:EXECUTE X:6210 P:3296 PP:3200 U:502 [/bin/rm]\n',
    ),
  );
  const s = p.end();
  assert.equal(s.skipped, 0);
  assert.deepEqual(rxs, [
    { timestampMs: Date.UTC(2026, 7, 19, 9, 47, 29), vnodeOp: 'EXECUTE', kind: 'exec', x: 6210, pid: 3296, ppid: 3200, uid: 502, path: '/bin/rm', line: 1 },
  ]);
});

test('ampdaemon.log: execs with parents from the rebuilt tree, file ops by process, users from dscl', () => {
  const users = parseDsclUsers(fixture('dscl_users.txt').toString('utf8'));
  assert.equal(users.skippedLines, 0);
  const { events, stats } = read(LOG, { ...OPTS, users: users.byUid });
  assert.deepEqual(stats.skippedReasons, { 'not-daemon-rx': 2 });
  assert.equal(stats.rx, 10);
  const execs = events.filter((e) => e.exec).map((e) => [e.exec!.path, e.exec!.parentPath, e.exec!.user]);
  assert.deepEqual(execs, [
    ['/Applications/Foo.app/Contents/MacOS/Foo', '', 'dev'],
    ['/bin/bash', '/Applications/Foo.app/Contents/MacOS/Foo', 'dev'],
    ['/bin/rm', '/bin/bash', 'dev'],
    ['/bin/rm', '/bin/bash', 'dev'],
    ['/usr/bin/grep', '/usr/local/bin/agentd', 'root'], // parent path given on the line
    ['/usr/bin/true', '/bin/rm', 'other'],
  ]);
  const files = events.flatMap((e) => e.files.map((f) => [f.op, f.path, f.processPath]));
  assert.deepEqual(files, [
    ['create', '/Users/dev/Library/Logs/Foo/foo.log', '/Applications/Foo.app/Contents/MacOS/Foo'],
    ['modify', '/Users/dev/Library/Logs/Foo/foo.log', '/Applications/Foo.app/Contents/MacOS/Foo'],
    ['rename', '/Users/dev/Library/Caches/Foo/tmp 1.db', '/Applications/Foo.app/Contents/MacOS/Foo'],
    ['delete', '/Users/dev/Library/Caches/Foo/tmp 1.db', '/bin/rm'],
  ]);
  assert.equal(stats.firstTimestampMs, Date.UTC(2026, 7, 9, 9, 47, 32));
  assert.equal(stats.lastTimestampMs, Date.UTC(2026, 7, 19, 9, 47, 33));
});

test('unmapped uids stay numeric', () => {
  const { events } = read(LOG);
  assert.equal(events.find((e) => e.exec)!.exec!.user, '502');
});

test('parent chain rebuilt from PP: up to PP:1, or until an unknown parent', () => {
  const { chains } = read(LOG);
  const chainOf = (path: string) => chains.filter(([p]) => p === path).map(([, c]) => c.map((n) => [n.pid, n.path]));
  assert.deepEqual(chainOf('/usr/bin/true'), [
    [
      [3500, '/usr/bin/true'],
      [3296, '/bin/rm'],
      [3200, '/bin/bash'],
      [3100, '/Applications/Foo.app/Contents/MacOS/Foo'],
      [1, undefined],
    ],
  ]);
  assert.deepEqual(chainOf('/usr/bin/grep'), [
    [
      [3400, '/usr/bin/grep'],
      [2999, undefined],
    ],
  ]);
});

test('process tree: bounded memory, PID reuse, loops', () => {
  const t = new ProcessTreeRebuilder({ maxProcesses: 2, maxDepth: 10 });
  t.recordExec(10, 1, '/a', 0);
  t.recordExec(11, 10, '/b', 0);
  t.recordExec(12, 11, '/c', 0);
  assert.equal(t.size, 2);
  assert.equal(t.pathOf(10), undefined);
  assert.deepEqual(
    t.chain(12).map((n) => n.pid),
    [12, 11, 10],
  );
  t.recordExec(11, 10, '/b2', 0); // pid reused
  assert.equal(t.pathOf(11), '/b2');
  const loop = new ProcessTreeRebuilder();
  loop.recordExec(5, 6, '/x', 0);
  loop.recordExec(6, 5, '/y', 0);
  assert.deepEqual(
    loop.chain(5).map((n) => n.pid),
    [5, 6],
  );
  assert.deepEqual(
    new ProcessTreeRebuilder().chain(7, 8).map((n) => n.pid),
    [7, 8],
  );
});

test('year inference: current year, or the year before when > 1 day in the future; Feb 29', () => {
  const jan2 = Date.UTC(2027, 0, 2, 12);
  assert.equal(inferSyslogTime('Dec', 31, 23, 59, 59, 0, { referenceMs: jan2, utcOffsetMinutes: 0 }), Date.UTC(2026, 11, 31, 23, 59, 59));
  assert.equal(inferSyslogTime('Jan', 2, 8, 0, 0, 0, { referenceMs: jan2, utcOffsetMinutes: 0 }), Date.UTC(2027, 0, 2, 8));
  assert.equal(inferSyslogTime('Jan', 3, 8, 0, 0, 0, { referenceMs: jan2, utcOffsetMinutes: 0 }), Date.UTC(2027, 0, 3, 8)); // within a day: clock skew
  assert.equal(inferSyslogTime('Jan', 4, 8, 0, 0, 0, { referenceMs: jan2, utcOffsetMinutes: 0 }), Date.UTC(2026, 0, 4, 8));
  assert.equal(inferSyslogTime('Feb', 29, 1, 0, 0, 0, { referenceMs: Date.UTC(2027, 5, 1), utcOffsetMinutes: 0 }), Date.UTC(2024, 1, 29, 1));
  assert.equal(inferSyslogTime('Foo', 1, 1, 0, 0, 0), undefined);
  assert.equal(inferSyslogTime('Aug', 19, 9, 0, 0, 0, { referenceMs: Date.UTC(2026, 7, 20), utcOffsetMinutes: -420 }), Date.UTC(2026, 7, 19, 16));
  assert.equal(parseLineTimestamp('2026-08-19T09:47:29.5+02:00 host x'), Date.UTC(2026, 7, 19, 7, 47, 29, 500));
  // a log spanning new year, read in January: ordered times
  const dec = read(
    'Dec 31 23:59:59 h [1] [fileop]:[info]-[k.c@1]:[2]: Daemon Rx: VNODE:CREATE X:1 P:5 PP:1 U:0 [/a]\nJan  1 00:00:01 h [1] [fileop]:[info]-[k.c@1]:[2]: Daemon Rx: VNODE:CREATE X:1 P:5 PP:1 U:0 [/a]\n',
    { referenceMs: jan2, utcOffsetMinutes: 0 },
  );
  assert.deepEqual(
    dec.events.map((e) => e.timestampMs),
    [Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2027, 0, 1, 0, 0, 1)],
  );
});

test('bad Daemon Rx lines, bad timestamps, invalid UTF-8 and a 10 MB line are skipped with reasons', () => {
  const input = Buffer.concat([
    Buffer.from('Aug 19 09:47:29 h [1] [fileop]:[info]-[k.c@1]:[2]: Daemon Rx: VNODE:EXECUTE X:1 P:3 U:0 [/bin/x]\n'),
    Buffer.from('Aug 19 09:47:29 h [1] [fileop]:[info]-[k.c@1]:[2]: Daemon Rx: VNODE:EXECUTE X:1 P:3 PP:1 U:0 /bin/x\n'),
    Buffer.from('Xyz 19 09:47:29 h [1] [fileop]:[info]-[k.c@1]:[2]: Daemon Rx: VNODE:EXECUTE X:1 P:3 PP:1 U:0 [/bin/x]\n'),
    Buffer.from([0xff, 0x0a]),
    Buffer.from('Aug 19 09:47:29 h Daemon Rx: VNODE:EXECUTE ' + 'x'.repeat(10 * 1024 * 1024) + '\n'),
    LOG,
  ]);
  const { events, stats } = read(input);
  assert.deepEqual(stats.skippedReasons, { 'bad-daemon-rx': 2, 'bad-timestamp': 1, 'invalid-utf8': 1, 'line-too-long': 1, 'not-daemon-rx': 2 });
  assert.equal(events.length, read(LOG).events.length);
});

test('dscl output: first name per uid, negative uids, junk lines counted', () => {
  const u = parseDsclUsers('root 0\nalias 0\nnobody -2\n\njunk\nfirst last 503\n');
  assert.deepEqual(
    [...u.byUid],
    [
      [0, 'root'],
      [-2, 'nobody'],
      [503, 'first last'],
    ],
  );
  assert.equal(u.skippedLines, 1);
});

test('property: any bytes never throw', () => {
  assertAnyBytesNeverThrow(() => new AmpDaemonLogReader(() => undefined, OPTS));
});

test('property: noise lines anywhere never change the events, each is one skip; chunking is irrelevant', () => {
  const base = LOG.toString('utf8').split('\n').filter(Boolean);
  const clean = JSON.stringify(read(LOG).events);
  const cleanSkips = read(LOG).stats.skipped;
  const noise = fc.oneof(
    fc.string({ maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    fc.uint8Array({ minLength: 1, maxLength: 80 }).map((a) => Buffer.from([0xff, ...a.filter((b) => b !== 0x0a)]).toString('latin1')),
    fc.constantFrom('Aug 19 09:47:29 h Daemon Rx: VNODE:', 'Daemon Rx: VNODE:EXECUTE X:1 P:1 PP:0 U:0 [', '\u0000Daemon Rx:'),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length), noise), { maxLength: 8 }), fc.integer({ min: 1, max: 300 }), (ins, chunk) => {
      const l = [...base];
      for (const [at, n] of ins) l.splice(at % (l.length + 1), 0, n);
      const r = read(Buffer.from(l.join('\n') + '\n', 'latin1'), OPTS, chunk);
      assert.equal(JSON.stringify(r.events), clean);
      assert.equal(r.stats.skipped, cleanSkips + ins.length);
    }),
    { numRuns: 200 },
  );
});
