import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExecsnoopParser, firstArgument } from './execsnoop-parser';
import { IosnoopParser } from './iosnoop-parser';
import { NewprocParser } from './newproc-parser';
import { OpensnoopParser } from './opensnoop-parser';
import { runParser } from './testing';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const read = (f: string) => readFileSync(path.join(FIXTURES, f));
const NOW = () => 1_000_000;
const BASE = new Date(2026, 10, 24, 12).getTime();

test('execsnoop: the four real outputs (old COMM PID RET ARGS, -Ttn, -l, -U) give 22 execs', () => {
  const { events, stats } = runParser(
    (on) => new ExecsnoopParser(on, { now: NOW, baseDateMs: BASE, startTimeMs: 5000 }),
    read('bcc_execsnoop_output_excerpt.txt'),
  );
  // 4 `# ./execsnoop…` command lines kept in the excerpt
  assert.deepEqual(stats.skippedReasons, { comment: 4 });
  assert.equal(stats.events, 9 + 1 + 8 + 2);
  assert.ok(events.every((e) => e.exec && e.syscall === 'execve'));
  assert.deepEqual(events[0].exec, { path: '/usr/bin/man', parentPath: '', user: '', pid: 15887 });
  // -Ttn: TIME HH:MM:SS wins over TIME(s)
  assert.equal(events[9].timestampMs, new Date(2026, 10, 24, 14, 8, 23).getTime());
  assert.deepEqual(events[9].exec, { path: '/bin/mount', parentPath: '', user: '', pid: 18049, ppid: 1045 });
  // -U: the uid is the user
  assert.deepEqual(events[18].exec, { path: '/bin/ls', parentPath: '', user: '1000', pid: 171318, ppid: 133702 });
  // -l: pid 3344856 exec'd yum, then python, then yum again; parent 4146419 never exec'd here
  assert.deepEqual(
    events.slice(10, 18).map((e) => e.exec?.path),
    [
      '/usr/sbin/service',
      '/bin/systemctl',
      '/usr/local/bin/yum',
      '/usr/local/bin/python',
      '/usr/bin/yum',
      '/usr/local/bin/yum',
      '/usr/local/bin/python',
      '/usr/bin/yum',
    ],
  );
});

test('execsnoop: the parent path is the last exec of PPID; -x failures are events without exec; -q quoting; -t relative', () => {
  const text =
    [
      'TIME(s) UID   PCOMM            PID    PPID   RET ARGS',
      '0.000   1000  bash             100    1        0 /bin/bash',
      '0.250   1000  make             101    100      0 "/usr/bin/make" "-j" "8"',
      '0.500   1000  cc               102    101     -2 /usr/bin/cc -c x.c',
      '1.000   0     Web Content      103    101      0 /usr/bin/cc1 x.c',
    ].join('\n') + '\n';
  const { events, stats } = runParser((on) => new ExecsnoopParser(on, { startTimeMs: 10_000 }), text);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(
    events.map((e) => e.exec?.parentPath),
    ['', '/bin/bash', undefined, '/usr/bin/make'],
  );
  assert.equal(events[1].exec?.path, '/usr/bin/make');
  assert.deepEqual(
    events.map((e) => e.timestampMs),
    [10_000, 10_250, 10_500, 11_000],
  );
  assert.equal(firstArgument('"/a b/c" x'), '/a b/c');
});

test('opensnoop: the four real outputs (default, -Tp, -U, -e); failures have no file; relative paths kept as given', () => {
  const { events, stats } = runParser((on) => new OpensnoopParser(on, { now: NOW, startTimeMs: 7000 }), read('bcc_opensnoop_output_excerpt.txt'));
  // 3 `# ./opensnoop…` command lines, and ` ./opensnoop -Tp 1956` (the excerpt lost its `#`)
  assert.deepEqual(stats.skippedReasons, { comment: 3, unrecognized: 1 });
  assert.equal(stats.events, 12 + 4 + 4 + 6); // grep -cE "^ *[0-9.]+ " gives 26
  const files = events.flatMap((e) => e.files);
  assert.equal(files.length, 26 - 2); // two dbus-daemon opens failed (FD -1)
  assert.ok(files.every((f) => f.op === 'open' && f.processPath === ''));
  assert.equal(files.filter((f) => f.path === 'supervise/status.new').length, 4);
  assert.equal(files.filter((f) => f.path === 'tmp.txt').length, 2);
  assert.equal(events[0].files[0].path, '/sys/kernel/debug/tracing/trace_pipe'); // COMM `<...>`
  // -Tp: TIME(s) relative to the first row
  assert.deepEqual(
    events.slice(12, 16).map((e) => e.timestampMs),
    [7000, 7000.29, 8023.068, 8023.382],
  );
});

test('iosnoop: public outputs (default, -n MAJ MIN, -e DEVICE, STIME TIME DELTA)', () => {
  const { events, stats } = runParser((on) => new IosnoopParser(on, { now: NOW, startTimeMs: 0 }), read('iosnoop_public_examples.txt'));
  assert.equal(stats.skipped, 0);
  assert.equal(stats.events, 14);
  const files = events.flatMap((e) => e.files);
  assert.equal(files.filter((f) => f.op === 'modify').length, 2);
  assert.deepEqual(files[8], { path: '/var/adm/utmpx', op: 'modify', processPath: '' });
  assert.equal(files.filter((f) => f.path === '/usr/bin/eject').length, 4);
  // TIME is µs: rows 10.. are 7.128 ms apart from the first of that run
  assert.deepEqual(
    events.slice(10).map((e) => e.timestampMs),
    [0, 7.128, 137.15, 107.108],
  );
});

test('iosnoop: -v STRTIME, COMM with a space, -o DTIME with -g ARGS, unknown paths', () => {
  const { events, stats } = runParser((on) => new IosnoopParser(on, { now: NOW }), read('iosnoop_constructed_variants.txt'));
  assert.equal(stats.skipped, 0);
  assert.equal(events[0].timestampMs, new Date(2005, 6, 10, 11, 44, 2).getTime());
  assert.deepEqual(events[1].files, [{ path: '/Users/alice/Library/Caches/x.db', op: 'open', processPath: '' }]);
  assert.deepEqual(events[2].files, [{ path: '/lib/librt.so.1', op: 'open', processPath: '' }]);
  assert.deepEqual(events[3].files, []);
  assert.deepEqual(events[4].files, []);
});

test('newproc.d: DTraceToolkit rows and macOS rows; argv[0] kept as given', () => {
  const d = runParser((on) => new NewprocParser(on, { now: NOW }), read('newproc_constructed.txt'));
  assert.deepEqual(d.stats.skippedReasons, { comment: 2 });
  assert.deepEqual(
    d.events.map((e) => e.exec?.path),
    ['man', 'sh', '/usr/bin/nroff'],
  );
  const m = runParser((on) => new NewprocParser(on, { now: NOW }), read('newproc_macos_constructed.txt'));
  assert.equal(m.stats.skipped, 0);
  assert.deepEqual(
    m.events.map((e) => [e.exec?.path, e.exec?.pid]),
    [
      ['/usr/libexec/xpcproxy', 1826],
      ['/usr/bin/git', 1827],
      ['/Applications/Old', 1828], // argv is space-joined: a path with spaces is cut
    ],
  );
  const q = runParser((on) => new NewprocParser(on, { now: NOW, format: 'psargs' }), 'ls -l\n/bin/date\n');
  assert.deepEqual(
    q.events.map((e) => e.exec?.path),
    ['ls', '/bin/date'],
  );
  const auto = runParser((on) => new NewprocParser(on, { now: NOW }), 'ls -l\n');
  assert.deepEqual(auto.stats.skippedReasons, { unrecognized: 1 });
});

test('rows before any header are skipped as no-header; a new header switches columns', () => {
  const { events, stats } = runParser(
    (on) => new OpensnoopParser(on, { now: NOW }),
    '1576   snmpd      9   0 /proc/net/dev\nPID    COMM      FD ERR PATH\n1576   snmpd      9   0 /proc/net/dev\nUID   PID    COMM               FD ERR PATH\n0     27063  vminfo              5   0 /var/run/utmp\n',
  );
  assert.deepEqual(stats.skippedReasons, { 'no-header': 1 });
  assert.deepEqual(
    events.map((e) => e.files[0].path),
    ['/proc/net/dev', '/var/run/utmp'],
  );
});

test('a last row without its newline (cut while written) is skipped as truncated', () => {
  const text = 'PID    COMM      FD ERR PATH\n1576   snmpd      9   0 /proc/net/dev\n1576   snmpd      9   0 /proc/ne';
  const { events, stats } = runParser((on) => new OpensnoopParser(on, { now: NOW }), text, 7);
  assert.deepEqual(stats.skippedReasons, { truncated: 1 });
  assert.equal(events.length, 1);
  const np = runParser((on) => new NewprocParser(on, { now: NOW }), '1826 64b  /usr/bin/git status\n1827 64b  /usr/b');
  assert.deepEqual(np.stats.skippedReasons, { truncated: 1 });
});
