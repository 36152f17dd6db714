import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CostWindowAggregator,
  ProductMatcher,
  compareBeforeAfter,
  costFindings,
  dispatchIsLossy,
  dispatchMode,
  logGrowth,
  parseAuditPluginConf,
  parseAuditctlRules,
  parseAuditctlStatus,
  parseAuditdConf,
  parseLogDirListing,
  parseProcStat,
  parseProcStatus,
  parseProductProcesses,
  parsePsRows,
  parsePsTime,
  rulesByProduct,
  spread,
} from './index';

/** Real outputs recorded on this machine by fixtures/record-fixtures.sh. */
const fx = (name: string) => readFileSync(path.resolve(__dirname, '..', 'fixtures', name), 'utf8');

test("/proc/self/stat: a reaped child's CPU shows in cutime+cstime, not in utime+stime", { skip: process.platform !== 'linux' }, () => {
  const before = parseProcStat(readFileSync('/proc/self/stat', 'utf8'))!;
  // The child spins ~300 ms of CPU; spawnSync waits for (reaps) it.
  spawnSync(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 300);']);
  const after = parseProcStat(readFileSync('/proc/self/stat', 'utf8'))!;
  const children = after.cutimeTicks + after.cstimeTicks - (before.cutimeTicks + before.cstimeTicks);
  assert.ok(children >= 20, `children's ticks grew by ${children}`);
  assert.equal(after.pid, process.pid);
});

test('/proc/<pid>/stat of the real auditd: utime+stime agree with ps', () => {
  const s = parseProcStat(fx('proc-stat.auditd.txt'))!;
  assert.equal(s.pid, 11002);
  assert.equal(s.comm, 'auditd');
  assert.equal(s.utimeTicks, 137);
  assert.equal(s.stimeTicks, 168);
  // ps, read right after: cputimes 3 (whole seconds) for 305 ticks at CLK_TCK 100.
  const ps = parsePsRows(fx('ps.auditd.txt')).rows[0];
  assert.equal(Number(fx('clk_tck.txt').trim()), 100);
  assert.equal(ps.cpuSeconds, 3);
  assert.equal(Math.floor((s.utimeTicks + s.stimeTicks) / 100), ps.cpuSeconds);
  const st = parseProcStatus(fx('proc-status.auditd.txt'))!;
  assert.equal(st.name, 'auditd');
  assert.equal(st.pid, 11002);
  assert.equal(st.vmRssKb, ps.rssKb);
  assert.ok(st.vmHwmKb! >= st.vmRssKb!);
});

test('/proc/<pid>/stat: a comm with spaces and parentheses is cut at the last ")"', () => {
  const s = parseProcStat(fx('proc-stat.parens.txt'))!;
  assert.equal(s.comm, 'a) b (c');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 10968);
  assert.equal(s.utimeTicks + s.stimeTicks, 0);
  assert.equal(s.startTimeTicks, 398187);
  assert.equal(parseProcStatus(fx('proc-status.parens.txt'))!.name, 'a) b (c');
  assert.equal(parseProcStat('garbage'), undefined);
  assert.equal(parseProcStat('12 (x) S 1 2'), undefined);
});

test('ps TIME in Linux and macOS forms; ps -axo rows', () => {
  assert.equal(parsePsTime('00:00:03'), 3);
  assert.equal(parsePsTime('1-02:03:04'), 86400 + 7384);
  assert.equal(parsePsTime('1:02.53'), 62.53); // macOS: minutes:seconds.centiseconds
  assert.equal(parsePsTime('x'), undefined);
  const { rows, skipped } = parsePsRows(fx('ps-ax.txt'));
  assert.equal(skipped, 0);
  assert.ok(rows.length > 10);
  assert.ok(rows.some((r) => r.comm === 'auditd' && r.pid === 11002));
  // A macOS-style line: full path with spaces as comm, centisecond TIME.
  assert.deepEqual(parsePsRows('  412  20480   3:05.12 /Library/Application Support/Cisco/AMP/ampdaemon\n').rows, [
    { pid: 412, rssKb: 20480, cpuSeconds: 185.12, comm: '/Library/Application Support/Cisco/AMP/ampdaemon' },
  ]);
});

test('auditctl -s: running, with lost events, stopped, immutable', () => {
  const r = parseAuditctlStatus(fx('auditctl-s.running.txt'))!;
  assert.deepEqual(
    [r.enabled, r.failure, r.pid, r.rateLimit, r.backlogLimit, r.lost, r.backlog, r.backlogWaitTime, r.backlogWaitTimeActual, r.loginuidImmutable],
    [1, 1, 11002, 0, 16384, 0, 0, 15000, 0, false],
  );
  const l = parseAuditctlStatus(fx('auditctl-s.lost.txt'))!;
  assert.equal(l.rateLimit, 20);
  assert.equal(l.lost, 33140);
  const s = parseAuditctlStatus(fx('auditctl-s.stopped.txt'))!;
  assert.deepEqual([s.enabled, s.pid, s.lost], [0, 0, 33221]);
  assert.equal(parseAuditctlStatus(fx('auditctl-s.immutable.txt'))!.enabled, 2);
  assert.equal(parseAuditctlStatus('No rules\n'), undefined);
});

test('auditctl -l: keys, paths and owning products', () => {
  const rules = parseAuditctlRules(fx('auditctl-l.txt'));
  assert.equal(rules.length, 4);
  assert.deepEqual(rules[0], {
    text: '-a always,exit -F arch=b64 -S execve -F key=fthc-exec',
    kind: 'syscall',
    list: 'exit',
    action: 'always',
    keys: ['fthc-exec'],
    syscalls: ['execve'],
    paths: [],
    exes: [],
  });
  assert.equal(rules[1].kind, 'watch');
  assert.deepEqual(rules[1].paths, ['/tmp/fthc-rec/watch']);
  assert.deepEqual(rules[1].keys, ['mdatp']);
  assert.deepEqual(rules[3].keys, ['fthc-del', 'cleanup']);
  assert.deepEqual(rules[3].paths, ['/tmp/fthc-rec/watch']);
  assert.deepEqual(rulesByProduct(rules), [
    { name: '(other)', count: 2 },
    { name: 'mdatp', count: 2 },
  ]);
  assert.deepEqual(parseAuditctlRules(fx('auditctl-l.empty.txt')), []);
  const never = parseAuditctlRules('-a never,exit -F exe=/opt/app/bin/app\n-a exit,never -F dir=/opt/app/cfg\n');
  assert.deepEqual(
    never.map((r) => [r.action, r.list, r.exes, r.paths]),
    [
      ['never', 'exit', ['/opt/app/bin/app'], []],
      ['never', 'exit', [], ['/opt/app/cfg']],
    ],
  );
});

test('auditd.conf (3.x overflow_action and 2.x disp_qos) and plugins', () => {
  const deb = parseAuditdConf(fx('auditd.conf.debian'));
  assert.equal(deb.logFile, '/var/log/audit/audit.log');
  assert.deepEqual([deb.qDepth, deb.overflowAction, deb.dispQos, deb.maxLogFileMb, deb.numLogs], [2000, 'syslog', undefined, 8, 5]);
  assert.equal(dispatchMode(deb), 'overflow:syslog,q:2000');
  assert.equal(dispatchIsLossy(deb), true);
  const priv = parseAuditdConf(fx('auditd.conf.private'));
  assert.equal(priv.dispQos, 'lossy');
  assert.equal(dispatchMode(priv), 'lossy');
  assert.equal(dispatchIsLossy(parseAuditdConf('disp_qos = lossless\n')), false);
  assert.equal(dispatchIsLossy(parseAuditdConf('overflow_action = SUSPEND\n')), false);
  assert.deepEqual(parseAuditPluginConf('af_unix.conf', fx('plugin.af_unix.active.conf')), {
    name: 'af_unix',
    active: true,
    path: 'builtin_af_unix',
    direction: 'out',
    type: 'builtin',
  });
  assert.equal(parseAuditPluginConf('syslog.conf', fx('plugin.syslog.conf')).active, false);
});

test('audit.log directory: growth and rotations from real listings (no inodes) and with inodes', () => {
  const [d0, d1, d2] = [0, 1, 2].map((i) => parseLogDirListing(fx(`audit-log-dir.${i}.txt`)));
  assert.deepEqual(d0, [{ name: 'audit.log', size: 35674, mtimeMs: 1795500561000, inode: undefined }]);
  assert.equal(d1.length, 3);
  // 0 -> 1: audit.log filled up to audit.log.2, rotated twice.
  assert.deepEqual(logGrowth(d0, d1), { bytes: 1048763 - 35674 + 1048577 + 611669, rotations: 2 });
  assert.deepEqual(logGrowth(d1, d2), { bytes: 975527 - 611669, rotations: 0 });
  assert.deepEqual(logGrowth(d2, d2), { bytes: 0, rotations: 0 });
  const a = [{ name: 'audit.log', size: 100, mtimeMs: 1, inode: 7 }];
  const b = [
    { name: 'audit.log', size: 30, mtimeMs: 3, inode: 8 },
    { name: 'audit.log.1', size: 200, mtimeMs: 2, inode: 7 },
  ];
  assert.deepEqual(logGrowth(a, b), { bytes: 130, rotations: 1 });
});

test('product matcher: exact names, 15-byte comm, globs, config', () => {
  const m = new ProductMatcher();
  assert.deepEqual(m.match([], 'mdatp_audisp_pl'), { name: 'mdatp_audisp_plugin', product: 'mdatp' });
  assert.deepEqual(m.match(['audisp-syslog'], 'audisp-syslog'), { name: 'audisp-syslog', product: 'auditd' });
  assert.deepEqual(m.match(['auditd'], 'auditd'), { name: 'auditd', product: 'auditd' });
  assert.deepEqual(m.match(['ampdaemon']), { name: 'ampdaemon', product: 'cisco' });
  assert.equal(m.match(['bash'], 'bash'), undefined);
  assert.equal(m.match([], 'auditdx'), undefined);
  assert.deepEqual(parseProductProcesses('auditd, my-edr=acme, cisco-*'), [
    { pattern: 'auditd', product: 'auditd' },
    { pattern: 'my-edr', product: 'acme' },
    { pattern: 'cisco-*', product: 'cisco' },
  ]);
});

test('cost windows: CPU between samples to the window of the later sample; lost delta; rules; log growth', () => {
  const agg = new CostWindowAggregator({ windowMs: 10_000 });
  const st = (lost: number, backlog: number) =>
    parseAuditctlStatus(fx('auditctl-s.running.txt').replace('lost 0', `lost ${lost}`).replace('backlog 0', `backlog ${backlog}`))!;
  const rules = parseAuditctlRules(fx('auditctl-l.txt'));
  const proc = (ticks: number, rss: number, pid = 11002, start = 380121) => ({
    pid,
    startTimeTicks: start,
    name: 'auditd',
    product: 'auditd',
    cpuTicks: ticks,
    rssKb: rss,
    hwmKb: 5000,
  });
  agg.add({ atMs: 100_000, processes: [proc(300, 4000)], auditd: { status: st(5, 0), rules } });
  agg.add({ atMs: 105_000, processes: [proc(350, 4200)], auditd: { status: st(5, 10), rules } });
  agg.add({ atMs: 110_000, processes: [proc(420, 4100)], auditd: { status: st(9, 3), rules } });
  assert.equal(agg.takeComplete().length, 1);
  // A restarted auditd (new pid) after the window boundary: all its CPU counts.
  agg.add({ atMs: 115_000, processes: [proc(7, 3000, 222, 900000)], auditd: { status: st(9, 0), rules: [] } });
  const [w2] = agg.flush();
  const agg2 = new CostWindowAggregator({ windowMs: 10_000 });
  agg2.add({ atMs: 100_000, processes: [proc(300, 4000)], auditd: { status: st(5, 0), rules } });
  agg2.add({ atMs: 105_000, processes: [proc(350, 4200)], auditd: { status: st(5, 10), rules } });
  agg2.add({ atMs: 110_000, processes: [proc(420, 4100)], auditd: { status: st(9, 3), rules } });
  const [w1] = agg2.takeComplete();
  assert.equal(w1.windowStartMs, 100_000);
  assert.equal(w1.coveredMs, 10_000);
  assert.deepEqual(w1.products, [{ name: 'auditd', product: 'auditd', cpuMs: 1200, peakRssKb: 4200, peakHwmKb: 5000, processes: 1 }]);
  assert.equal(w1.auditd!.lostDelta, 4);
  assert.equal(w1.auditd!.backlogMax, 10);
  assert.deepEqual(w1.auditd!.rulesByProduct, [
    { name: '(other)', count: 2 },
    { name: 'mdatp', count: 2 },
  ]);
  assert.equal(w2.windowStartMs, 110_000);
  assert.equal(w2.coveredMs, 5_000);
  assert.equal(w2.products[0].cpuMs, 70);
  assert.equal(w2.auditd!.lostDelta, 0);
  assert.equal(w2.auditd!.rulesTotal, 0);
});

test('findings: lost, immutable, lossy dispatch, noisy watched path, high CPU', () => {
  const status = parseAuditctlStatus(fx('auditctl-s.immutable.txt'))!;
  const rules = parseAuditctlRules(fx('auditctl-l.txt'));
  const f = costFindings({
    window: {
      windowStartMs: 0,
      windowEndMs: 60_000,
      samples: 6,
      coveredMs: 60_000,
      products: [{ name: 'mdatp_audisp_plugin', product: 'mdatp', cpuMs: 30_000, peakRssKb: 1, peakHwmKb: 1, processes: 1 }],
      auditd: {
        enabled: status.enabled,
        pid: status.pid,
        lostDelta: 12,
        lostTotal: 33140,
        backlogMax: 0,
        backlogLimit: 16384,
        rateLimit: 20,
        backlogWaitActualDelta: 0,
        dispatch: 'lossy',
        dispatchLossy: true,
        consumers: ['/opt/microsoft/mdatp/sbin/mdatp_audisp_plugin'],
      },
    },
    rules,
    noisyPaths: [{ path: '/tmp/fthc-rec/watch/app.log', count: 5000 }],
  });
  assert.deepEqual(f.map((x) => x.code).sort(), [
    'audit-dispatch-lossy',
    'audit-immutable',
    'audit-lost-events',
    'product-high-cpu',
    'rule-watches-noisy-path',
    'rule-watches-noisy-path',
  ]);
  assert.match(f.find((x) => x.code === 'audit-lost-events')!.advice, /auditctl -r 0/);
});

test('before/after: medians and ranges across hosts; no-reduction flags', () => {
  assert.deepEqual(spread([3, 1, 2, 10]), { n: 4, median: 2.5, min: 1, max: 10 });
  assert.deepEqual(spread([]), { n: 0, median: null, min: null, max: null });
  const r = compareBeforeAfter([
    { hostId: 'a', before: { eventsPerSecond: 100, cpuPercent: 20 }, after: { eventsPerSecond: 10, cpuPercent: 5 } },
    { hostId: 'b', before: { eventsPerSecond: 50, cpuPercent: 10 }, after: { eventsPerSecond: 25, cpuPercent: 9 } },
    { hostId: 'c', before: { eventsPerSecond: 10, cpuPercent: 2 }, after: { eventsPerSecond: 11, cpuPercent: 2 } },
  ]);
  assert.deepEqual(r.summary.eventsPerSecond.changePercent, { n: 3, median: -50, min: -90, max: 10 });
  assert.deepEqual(r.noReductionHosts, ['c']);
  assert.equal(r.noReduction, false);
  assert.equal(compareBeforeAfter([r.hosts[2]]).noReduction, true);
});

test('cost windows: a late sample still closes the window before (slack); a long interval is shared by overlap', () => {
  const proc = (ticks: number) => ({ pid: 1, startTimeTicks: 1, name: 'auditd', product: 'auditd', cpuTicks: ticks, rssKb: 1 });
  const agg = new CostWindowAggregator({ windowMs: 10_000, boundarySlackMs: 250 });
  agg.add({ atMs: 100_000, processes: [proc(0)] });
  agg.add({ atMs: 110_030, processes: [proc(100)] }); // 30 ms late
  agg.add({ atMs: 130_000, processes: [proc(300)] }); // 20 s later: two windows
  const ws = agg.takeComplete();
  assert.deepEqual(
    ws.map((w) => [w.windowStartMs, w.coveredMs, w.products[0]?.cpuMs]),
    [
      [100_000, 10_000, 1000],
      [110_000, 10_000, 1000],
      [120_000, 10_000, 1000],
    ],
  );
});
