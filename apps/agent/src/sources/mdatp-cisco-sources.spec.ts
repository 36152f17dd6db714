import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runReport } from '../commands/report-command';
import type { ActivityReport } from '../report/activity-report';
import { findEventSource } from './event-sources';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const MDATP = path.join(REPO, 'libs', 'mdatp', 'fixtures');
const CISCO = path.join(REPO, 'libs', 'cisco', 'fixtures');

type Details = { notes: string[]; sections: Array<{ title: string; columns: string[]; rows: Array<Array<string | number>> }>; data: Record<string, unknown> };
type Report = ActivityReport & { details?: Details };

async function run(source: string, input: string, stdin: string | Buffer = '', json = true, top = 1000) {
  let out = '';
  let err = '';
  const code = await runReport(
    { source, input, top, json },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false }, stdin: Readable.from([Buffer.from(stdin)]) },
  );
  assert.equal(code, 0, err);
  return json ? (JSON.parse(out) as Report) : out;
}

const rtp = (counters: Array<[number, string | null, number, number]>) =>
  JSON.stringify(
    {
      counters: counters.map(([id, p, files, ns]) => ({
        id,
        name: p ? path.basename(p) : null,
        path: p,
        totalFilesScanned: String(files),
        totalScanTime: String(ns),
      })),
    },
    null,
    2,
  );

test('the sources are registered', async () => {
  for (const n of ['mdatp-rtp', 'mdatp-hot-sources', 'mdatp-ebpf', 'cisco-support']) assert.ok(await findEventSource(n), n);
});

test('mdatp-rtp, one poll: execs = files scanned per process path; high_cpu_parser views and scan time in details', async () => {
  const r = (await run('mdatp-rtp', path.join(MDATP, 'mdatp_rtp_statistics_macos_excerpt.json'))) as Report;
  assert.equal(r.events, 3065);
  assert.equal(r.skipped, 0);
  assert.deepEqual(
    r.execs.slice(0, 2).map((e) => [e.path, e.count]),
    [
      ['/sbin/launchd', 2071],
      ['/usr/libexec/opendirectoryd', 568],
    ],
  );
  const [perPid, byName] = r.details!.sections;
  assert.deepEqual(perPid.columns, ['pid', 'name', 'files', 'scan s', 'max file ms', 'path']);
  assert.deepEqual(perPid.rows[0], [1, 'launchd', 2071, 35.706, 143.636, '/sbin/launchd']);
  assert.deepEqual(
    byName.rows.find((x) => x[3] === 'None'),
    [27, 0.032, 2, 'None', 'None'],
  );
  assert.equal(r.details!.data.totalScanTimeNs, 40379898630);
});

test('mdatp-rtp, text form on stdin', async () => {
  const r = (await run('mdatp-rtp', '-', readFileSync(path.join(MDATP, 'mdatp_rtp_statistics_text_sorted.txt')))) as Report;
  assert.equal(r.events, 261 + 247 + 29 + 20);
  assert.equal(r.skipped, 0);
});

test('mdatp-rtp, a directory of polls: deltas after the first poll, a daemon restart, rates over the poll span', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rtp-'));
  const polls = [
    rtp([
      [1, '/sbin/launchd', 100, 1000],
      [50, '/usr/bin/a', 10, 100],
      [60, '/usr/bin/b', 5, 50],
    ]),
    rtp([
      [1, '/sbin/launchd', 130, 1300],
      [50, '/usr/bin/a', 10, 100],
      [60, '/usr/bin/b', 9, 90],
      [70, '/usr/bin/c', 4, 40],
    ]),
    // daemon restart: every shared counter went down
    rtp([
      [1, '/sbin/launchd', 3, 30],
      [50, '/usr/bin/a', 1, 10],
      [60, null, 2, 20],
    ]),
    rtp([
      [1, '/sbin/launchd', 5, 50],
      [50, '/usr/bin/a', 1, 10],
      [60, null, 2, 20],
    ]),
  ];
  polls.forEach((p, i) => {
    const f = path.join(dir, `poll-${i}.json`);
    writeFileSync(f, p);
    utimesSync(f, 1_700_000_000 + i * 60, 1_700_000_000 + i * 60);
  });
  const r = (await run('mdatp-rtp', dir)) as Report;
  // poll 1: launchd +30, b +4, c 4 (new); poll 2 (restart): launchd 3, a 1, b 2; poll 3: launchd +2
  assert.deepEqual(
    r.execs.map((e) => [e.path, e.count]),
    [
      ['/sbin/launchd', 35],
      ['/usr/bin/b', 6],
      ['/usr/bin/c', 4],
      ['/usr/bin/a', 1],
    ],
  );
  assert.equal(r.events, 46);
  assert.equal(r.durationSeconds, 180);
  assert.equal(r.details!.data.daemonRestarts, 1);
  assert.ok(r.details!.notes.some((n) => /restart detected 1/.test(n)));
  // the same polls concatenated on stdin give the same counts (no times: no rates)
  const s = (await run('mdatp-rtp', '-', polls.join('\n'))) as Report;
  assert.deepEqual(s.execs, r.execs);
  assert.equal(s.durationSeconds, 0);
});

test('mdatp-rtp: a truncated poll and noise are reported as skipped, complete counters still count', async () => {
  const whole = readFileSync(path.join(MDATP, 'mdatp_rtp_statistics_macos_excerpt.json'), 'utf8');
  const r = (await run('mdatp-rtp', '-', 'mdatp: command not found?\n' + whole.slice(0, whole.indexOf('"id": 561')))) as Report;
  assert.deepEqual(r.skippedReasons, { 'text-line': 1, 'truncated-json': 1 });
  assert.equal(r.events, 2071 + 5 + 68 + 312);
  assert.ok(r.details!.notes.some((n) => /ends midway after 4 complete counter/.test(n)));
});

test('mdatp-rtp table output has the high_cpu_parser sections', async () => {
  const out = (await run('mdatp-rtp', path.join(MDATP, 'mdatp_rtp_statistics_macos_excerpt.json'), '', false, 3)) as string;
  assert.match(out, /^Processes by files scanned \(high_cpu_parser.py\)$/m);
  assert.match(out, /^By process name \(high_cpu_parser.py --group\)$/m);
  assert.match(out, /^\s+1\s+launchd\s+2071\s+35.706\s+143.636\s+\/sbin\/launchd$/m);
});

test('mdatp-hot-sources: console files + executables, JSON report kind from the file name', async () => {
  const c = (await run('mdatp-hot-sources', path.join(MDATP, 'mdatp_hot_event_sources_console.txt'))) as Report;
  assert.equal(c.skipped, 0);
  assert.equal(c.files[0].path, '/mnt/RamDisk/postgres_data/pg_wal/0000000100000014000000A5');
  assert.equal(c.files[0].count, 2832);
  assert.deepEqual(
    c.execs.slice(0, 2).map((e) => [e.path, e.count]),
    [
      ['/usr/lib/postgresql/12/bin/psql', 8216],
      ['/usr/lib/postgresql/12/bin/postgres', 5721],
    ],
  );
  const j = (await run('mdatp-hot-sources', path.join(MDATP, 'mdatp_hot_event_sources_executables_report.json'))) as Report;
  assert.deepEqual(
    j.execs.map((e) => [e.path, e.count]),
    [
      ['/usr/lib/postgresql/12/bin/psql', 8126],
      ['/usr/lib/postgresql/12/bin/postgres', 5127],
    ],
  );
  assert.equal(j.durationSeconds, 19.038);
  const f = (await run('mdatp-hot-sources', path.join(MDATP, 'mdatp_hot_event_sources_files_report.json'))) as Report;
  assert.equal(f.files.length, 2);
});

test('mdatp-ebpf: initiators as execs, syscalls named', async () => {
  const r = (await run('mdatp-ebpf', path.join(MDATP, 'mdatp_ebpf_statistics.txt'))) as Report;
  assert.equal(r.skipped, 0);
  assert.deepEqual(r.execs.map((e) => [e.path, e.count])[0], ['/usr/lib/postgresql/12/bin/psql', 902]);
  assert.deepEqual(r.syscalls.slice(0, 2), [
    { syscall: 'chdir', count: 9034 },
    { syscall: 'fork', count: 8932 },
  ]);
  assert.equal(r.events, 37150);
});

test('cisco-support: execs.txt and fileops.txt by file name', async () => {
  const e = (await run('cisco-support', path.join(CISCO, 'execs.txt'))) as Report;
  assert.deepEqual(
    e.execs.map((x) => [x.path, x.count]),
    [
      ['/bin/rm', 1523],
      ['/bin/bash', 1200],
      ['/usr/bin/grep', 87],
      ['/Applications/Foo Bar.app/Contents/MacOS/Foo Bar', 5],
    ],
  );
  const f = (await run('cisco-support', path.join(CISCO, 'fileops.txt'))) as Report;
  assert.deepEqual(
    f.files.map((x) => [x.path, x.count]),
    [
      ['/Users/dev/Library/Logs/Foo/foo.log', 4100],
      ['/Users/dev/Library/Caches/Foo/tmp 1.db', 977],
      ['/private/var/folders/xy/T/a.tmp', 12],
    ],
  );
  assert.equal(f.execs.length, 0);
});

test('cisco-support: ampdaemon.log by content, with parents and chains; a support directory with dscl users', async () => {
  const r = (await run('cisco-support', path.join(CISCO, 'ampdaemon.log'))) as Report;
  assert.deepEqual(r.skippedReasons, { 'not-daemon-rx': 2 });
  const rm = r.execs.find((e) => e.path === '/bin/rm')!;
  assert.deepEqual([rm.count, rm.parents, rm.users], [2, [{ path: '/bin/bash', count: 2 }], [{ user: '502', count: 2 }]]);
  const chains = r.details!.sections[0].rows;
  assert.deepEqual(chains[0], [2, '/bin/rm', 'rm <- bash <- Foo <- launchd/init']);

  const dir = mkdtempSync(path.join(tmpdir(), 'cisco-'));
  for (const f of ['execs.txt', 'fileops.txt', 'dscl_users.txt', 'ampdaemon.log']) copyFileSync(path.join(CISCO, f), path.join(dir, f));
  const d = (await run('cisco-support', dir)) as Report;
  // Counted once (issue 19 item 7): this log holds a few of the lists' scans (partial), so the lists count and the log's lines are left out.
  assert.equal(d.events, 1523 + 1200 + 87 + 5 + 4100 + 977 + 12);
  assert.deepEqual(d.execs.find((e) => e.path === '/bin/rm')!.users, [{ user: '', count: 1523 }]);
  assert.ok(
    d.details!.notes.some((n) => /execs counted once, from execs\.txt \(2815 scans\); ampdaemon\.log holds only 6/.test(n)),
    d.details!.notes.join('\n'),
  );
  assert.deepEqual(d.skippedReasons, { 'not-daemon-rx': 2 });
});

test('cisco-support: binary noise and a 10 MB line are skipped, never thrown', async () => {
  const noise = Buffer.concat([
    Buffer.from('12 /ok\n'),
    Buffer.from([0, 1, 2, 0xff, 0xfe, 10]),
    Buffer.from('y'.repeat(10 * 1024 * 1024) + '\n'),
    Buffer.from('3 /ok\n'),
  ]);
  const r = (await run('cisco-support', '-', noise)) as Report;
  assert.deepEqual(
    r.execs.map((e) => [e.path, e.count]),
    [['/ok', 15]],
  );
  assert.equal(r.skipped, 2);
});

test('cisco-support: a Support Tool zip (nested syslog.tar) counts like the unpacked files', async () => {
  const z = (await run('cisco-support', path.join(CISCO, 'support_package.zip'))) as Report;
  assert.equal(z.events, 1523 + 1200 + 87 + 5 + 4100 + 977 + 12); // counted once: the lists (the log is partial)
  assert.deepEqual(z.skippedReasons, { 'not-daemon-rx': 2 });
  assert.equal(z.execs.find((e) => e.path === '/bin/rm')!.count, 1523);
  const cut = readFileSync(path.join(CISCO, 'support_package.zip')).subarray(0, 300);
  const c = (await run('cisco-support', '-', cut)) as Report;
  assert.equal(c.events, 0);
  assert.deepEqual(c.skippedReasons, { 'archive-entry': 1 });
  assert.ok(c.details!.notes.some((n) => /cut short/.test(n)));
});
