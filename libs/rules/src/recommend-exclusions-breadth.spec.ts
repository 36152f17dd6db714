import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { recommendExclusions } from './recommend-exclusions';
import { FleetActivityRow } from './fleet-activity-row';
import { ExclusionSafetyPolicy } from './exclusion-safety-policy';

// Extension, file-name and files-scanned (mdatp) candidates.
const W = 20 * 60_000;
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % W);
const hosts = Array.from({ length: 8 }, (_, i) => `host-${i}`);
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

function breadthFleet(hostList = hosts): FleetActivityRow[] {
  const rows: FleetActivityRow[] = [];
  hostList.forEach((hostId, h) => {
    const user = users[h];
    const file = (path: string, count: number) => rows.push({ kind: 'file', path, hostId, windowStartMs: T0, count });
    // Six apps each append to their own log 90 times a window: every log is below the log threshold (200), .log over it.
    for (const app of ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']) file(`/var/log/${app}/${app}.log`, 90);
    // A per-user copy of one more: generalized, still one directory.
    file(`/home/${user}/.local/state/omega/omega.log`, 90);
    // git's index.lock in four repositories of each user: 300 each, so no single path crosses 1000.
    for (const repo of ['api', 'web', 'infra', 'docs']) file(`/home/${user}/src/${repo}/.git/index.lock`, 300);
    // Busy shell scripts and temp files in many directories: never an extension item.
    for (const d of ['a', 'b', 'c', 'd', 'e', 'f']) {
      file(`/opt/tools/${d}/run.sh`, 400);
      file(`/srv/cache/${d}/blob.tmp`, 400);
      file(`/srv/bin/${d}/bash`, 400);
    }
    // mdatp real-time-protection statistics: files scanned per process.
    const scan = (path: string, count: number) => rows.push({ kind: 'scan', path, hostId, windowStartMs: T0, count });
    scan('/opt/backup/bin/backupd', 60_000);
    scan('/usr/bin/python3', 40_000);
    scan('/usr/bin/perl', 30_000);
    scan('/opt/a/bin/a', 5000 + h);
    scan('/opt/b/bin/b', 4000 + h);
    scan('/opt/quiet/bin/q', 10);
    scan('wdavdaemon', 9000);
    // python3 is started by the ML trainer (exec data gives the parent).
    rows.push({ kind: 'exec', path: '/usr/bin/python3', parentPath: '/opt/ml/bin/trainer', user: 'root', hostId, windowStartMs: T0, count: 3 });
    // backupd is also executed often: one item, both reasons.
    rows.push({ kind: 'exec', path: '/opt/backup/bin/backupd', parentPath: '/sbin/init', user: 'root', hostId, windowStartMs: T0, count: 2400 });
  });
  return rows;
}

test('a busy extension across many directories and hosts becomes one extension item', () => {
  const { items, rejected } = recommendExclusions(breadthFleet(), { hostsReporting: 10 });
  const byKey = new Map(items.map((i) => [`${i.type} ${i.value}`, i]));
  const log = byKey.get('extension .log');
  assert.ok(log, JSON.stringify([...byKey.keys()]));
  assert.equal(log.evidence.hosts, 8);
  assert.equal(log.evidence.directories, 7, 'six apps and one generalized per-user directory');
  assert.equal(log.evidence.distinctPaths, 7);
  assert.equal(log.evidence.peakWindowCount, 7 * 90);
  assert.equal(log.evidence.totalCount, 8 * 7 * 90);
  assert.equal(log.risk.level, 'high');
  assert.ok(log.risk.flags.includes('extension-wide'));
  assert.match(log.reason, /7 directories/);
  // No single log crosses its own threshold.
  assert.ok(!items.some((i) => i.type !== 'extension' && i.value.endsWith('.log')));
  // Never-exclude and script extensions are refused with a reason.
  for (const ext of ['.sh', '.tmp']) {
    assert.ok(!byKey.has(`extension ${ext}`));
    assert.ok(
      rejected.some((r) => r.subject === ext && /never-exclude/.test(r.why)),
      ext,
    );
  }
});

test('a file name recurring in many directories becomes a filename item; names of programs are refused', () => {
  const { items, rejected } = recommendExclusions(breadthFleet(), { hostsReporting: 10 });
  const lock = items.find((i) => i.type === 'filename' && i.value === 'index.lock');
  assert.ok(lock);
  assert.equal(lock.evidence.directories, 4);
  assert.equal(lock.evidence.peakWindowCount, 1200);
  assert.equal(lock.evidence.hosts, 8);
  assert.ok(lock.risk.flags.includes('extension-wide'));
  assert.equal(lock.globalScopeEligible, false);
  assert.ok(!items.some((i) => i.type === 'extension' && i.value === '.lock'), '.lock is in only four directories');
  assert.ok(!items.some((i) => i.value === 'bash' || i.value === 'run.sh'));
  assert.ok(rejected.some((r) => r.subject === 'bash' && /shell/.test(r.why)));
  assert.ok(rejected.some((r) => r.subject === 'run.sh' && /never-exclude/.test(r.why)));
  const text = JSON.stringify({ items, rejected });
  for (const u of users) assert.ok(!text.includes(u), `user ${u} leaked`);
});

test('extension and file-name items need several hosts', () => {
  // minHosts 1: the family bar itself is what this test is about.
  const one = recommendExclusions(breadthFleet(hosts.slice(0, 1)), { hostsReporting: 1, config: { minHosts: 1 } });
  assert.ok(!one.items.some((i) => i.type === 'extension' || i.type === 'filename'));
  assert.ok(one.rejected.some((r) => r.subject === '.log' && /only 1 hosts/.test(r.why)));
  const allowed = recommendExclusions(breadthFleet(hosts.slice(0, 1)), { hostsReporting: 1, config: { minHosts: 1, familyMinHosts: 1 } });
  assert.ok(allowed.items.some((i) => i.type === 'extension' && i.value === '.log'));
});

test('top processes by files scanned: ranked, safe, interpreters refused (never credited to a parent), merged with exec items', () => {
  const { items, rejected } = recommendExclusions(breadthFleet(), { hostsReporting: 8, config: { maxScanProcesses: 5 } });
  const proc = new Map(items.filter((i) => i.type === 'process').map((i) => [i.value, i]));
  const backupd = proc.get('/opt/backup/bin/backupd');
  assert.ok(backupd);
  assert.equal(backupd.evidence.filesScanned, 8 * 60_000);
  assert.equal(backupd.evidence.scanRank, 1);
  assert.match(backupd.reason, /files scanned/);
  assert.match(backupd.reason, /executed/);
  assert.equal(items.filter((i) => i.value === '/opt/backup/bin/backupd').length, 1, 'one item for both reasons');
  assert.equal(backupd.user, '', 'scan data has no user, so the merged item applies to any user');

  // python3 is an interpreter: refused. Its files scanned are Defender's count for python3 alone, and an MDE
  // process exclusion of the trainer would not cover python3 (no child scope): no parent item from scans (issue 19).
  assert.ok(!proc.has('/usr/bin/python3'));
  assert.ok(!proc.has('/opt/ml/bin/trainer'), 'the parent known from exec data gets no item from files scanned');
  assert.ok(rejected.some((r) => r.subject === '/usr/bin/python3' && /interpreter/.test(r.why) && /never credited to a parent/.test(r.why)));
  // perl: refused the same way.
  assert.ok(!proc.has('/usr/bin/perl'));
  assert.ok(rejected.some((r) => r.subject === '/usr/bin/perl' && /never credited to a parent/.test(r.why)));
  // A bare process name (mdatp reports a name when the path is unknown) is not a usable exclusion.
  assert.ok(rejected.some((r) => r.subject === 'wdavdaemon' && /absolute/.test(r.why)));
  // Ranks: backupd 1, python3 2, perl 3, wdavdaemon 4, /opt/a 5: /opt/b is 6th, beyond the top 5; quiet q under threshold.
  assert.ok(proc.has('/opt/a/bin/a'));
  assert.ok(!proc.has('/opt/b/bin/b'));
  assert.ok(rejected.some((r) => r.subject === '/opt/b/bin/b' && /ranked 6/.test(r.why)));
  assert.ok(!rejected.some((r) => r.subject === '/opt/quiet/bin/q'));
  assert.equal(proc.get('/opt/a/bin/a')?.evidence.peakWindowCount, 5007);
});

test('property: extension and file-name items are never on the deny-lists, and (type, value) is unique', () => {
  const policy = new ExclusionSafetyPolicy();
  const ext = fc.constantFrom('.log', '.sh', '.py', '.exe', '.tmp', '.jar', '.dylib', '.journal', '.db-wal', '.pyc', '.ts', '.dat', '.so', '.cache');
  const name = fc.constantFrom('index.lock', 'bash', 'python3', 'LOCK', 'state.json', 'cat', 'x.sh', 'run');
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.nat(7),
          fc.nat(9),
          fc.oneof(
            ext.map((e) => `f${e}`),
            name,
          ),
          fc.integer({ min: 1, max: 3000 }),
        ),
        { minLength: 1, maxLength: 80 },
      ),
      (specs) => {
        const rows: FleetActivityRow[] = specs.map(([h, d, file, count]) => ({
          kind: 'file',
          path: `/data/d${d}/${file}`,
          hostId: `h${h}`,
          windowStartMs: T0,
          count,
        }));
        const { items } = recommendExclusions(rows, { hostsReporting: 8, config: { extensionMinDirectories: 2, filenameMinDirectories: 2 } });
        const keys = items.map((i) => `${i.type}\u0000${i.value}\u0000${i.user}`);
        assert.equal(new Set(keys).size, keys.length);
        for (const it of items) {
          if (it.type === 'extension') assert.ok(policy.checkExtension(it.value).allowed, it.value);
          if (it.type === 'filename') assert.ok(policy.checkFileName(it.value).allowed, it.value);
          if (it.type === 'extension' || it.type === 'filename') {
            assert.ok(it.evidence.hosts >= 2);
            assert.ok((it.evidence.directories ?? 0) >= 2);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('auditd directories: rows already summed per directory and per-file rows make one audit-dir subject', () => {
  const rows: FleetActivityRow[] = [];
  for (const hostId of hosts.slice(0, 3)) {
    rows.push({ kind: 'audit-dir', path: '/var/lib/backup/spool', hostId, windowStartMs: T0, count: 600 });
    rows.push({ kind: 'audit-path', path: '/var/lib/backup/spool/x.db', hostId, windowStartMs: T0, count: 500 });
    rows.push({ kind: 'audit-dir', path: '/usr/bin', hostId, windowStartMs: T0, count: 5000 });
    rows.push({ kind: 'audit-exe', path: '/opt/backup/bin/backupd', hostId, windowStartMs: T0, count: 1100 });
    rows.push({ kind: 'audit-exe', path: '/usr/bin/rm', hostId, windowStartMs: T0, count: 9000 });
  }
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  const dir = items.find((i) => i.type === 'audit-dir');
  assert.equal(dir?.value, '/var/lib/backup/spool');
  assert.equal(dir?.evidence.peakWindowCount, 1100);
  assert.equal(dir?.evidence.hosts, 3);
  assert.deepEqual(
    items.filter((i) => i.type === 'audit-exe').map((i) => i.value),
    ['/opt/backup/bin/backupd'],
  );
  assert.ok(rejected.some((r) => r.subject === '/usr/bin'));
  assert.ok(rejected.some((r) => r.subject === '/usr/bin/rm' && /utility/.test(r.why)));
});

test('a file name made of a user name never becomes a file-name item and is not named in the refusals', () => {
  const rows: FleetActivityRow[] = [];
  hosts.slice(0, 3).forEach((hostId) => {
    // erin works on every host (a shared admin account, uid 1001); her name is per-host data all the same.
    rows.push({ kind: 'exec', path: '/opt/tool/bin/tool', parentPath: '/sbin/init', user: 'erin', uid: 1001, hostId, windowStartMs: T0, count: 1 });
    for (const d of ['a', 'b', 'c', 'd', 'e']) rows.push({ kind: 'file', path: `/srv/${d}/erin.erin`, hostId, windowStartMs: T0, count: 400 });
  });
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  const text = JSON.stringify({ items, rejected });
  assert.ok(!text.includes('erin'), text);
  assert.ok(!items.some((i) => i.type === 'filename' || i.type === 'extension'));
});

test('property: exec, files-scanned and audit data together never give two items for one (type, value), nor a refused program', () => {
  const policy = new ExclusionSafetyPolicy();
  const program = fc.constantFrom('/opt/a/bin/a', '/opt/b/bin/b', '/usr/bin/python3', '/bin/bash', '/usr/bin/grep', '/opt/c/run.sh', 'wdavdaemon');
  const parent = fc.constantFrom('', '/opt/a/bin/a', '/opt/p/bin/p', '/bin/sh', '/sbin/init');
  const kind = fc.constantFrom('exec' as const, 'scan' as const, 'audit-exe' as const);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(kind, program, parent, fc.nat(4), fc.integer({ min: 1, max: 5000 }), fc.constantFrom('root', 'alice', '')), {
        minLength: 1,
        maxLength: 60,
      }),
      (specs) => {
        const rows: FleetActivityRow[] = specs.map(([k, path, parentPath, h, count, user]) => ({
          kind: k,
          path,
          parentPath: k === 'exec' ? parentPath : undefined,
          user: k === 'exec' ? user : undefined,
          hostId: `h${h}`,
          windowStartMs: T0,
          count,
        }));
        const { items } = recommendExclusions(rows, { hostsReporting: 5, config: { scanWindowThreshold: 500, maxScanProcesses: 3 } });
        const keys = items.map((i) => `${i.type}\u0000${i.value}`);
        assert.equal(new Set(keys).size, keys.length, JSON.stringify(keys));
        for (const it of items) {
          if (it.type === 'process' || it.type === 'audit-exe') assert.ok(policy.checkProcess(it.value).allowed, it.value);
          assert.ok(!it.user || it.user === 'root', `user ${it.user}`);
        }
        assert.ok(items.filter((i) => i.evidence.scanRank !== undefined).every((i) => i.evidence.scanRank! <= 3));
      },
    ),
    { numRuns: 200 },
  );
});

test("auditd directories: one initiator making nearly all of a directory's records is kept for the -x form (issue 19)", () => {
  const rows: FleetActivityRow[] = [];
  for (const hostId of hosts.slice(0, 3)) {
    // backupd makes 95% of the spool's records, rm the rest.
    rows.push({ kind: 'audit-dir', path: '/var/lib/backup/spool', parentPath: '/opt/backup/bin/backupd', hostId, windowStartMs: T0, count: 1900 });
    rows.push({ kind: 'audit-dir', path: '/var/lib/backup/spool', parentPath: '/usr/bin/rm', hostId, windowStartMs: T0, count: 100 });
    // Two writers share the cache: no single initiator.
    rows.push({ kind: 'audit-dir', path: '/var/cache/shared', parentPath: '/opt/a/bin/a', hostId, windowStartMs: T0, count: 1200 });
    rows.push({ kind: 'audit-dir', path: '/var/cache/shared', parentPath: '/opt/b/bin/b', hostId, windowStartMs: T0, count: 800 });
  }
  const { items } = recommendExclusions(rows, { hostsReporting: 3 });
  const spool = items.find((i) => i.type === 'audit-dir' && i.value === '/var/lib/backup/spool');
  assert.equal(spool?.evidence.auditInitiator, '/opt/backup/bin/backupd');
  assert.equal(spool?.evidence.auditInitiatorShare, 0.95);
  assert.match(spool!.reason, /95% of them by \/opt\/backup\/bin\/backupd/);
  const shared = items.find((i) => i.type === 'audit-dir' && i.value === '/var/cache/shared');
  assert.ok(shared);
  assert.equal(shared.evidence.auditInitiator, undefined, '60/40: the whole directory');
  // A stricter share setting: no -x for the spool either.
  const strict = recommendExclusions(rows, { hostsReporting: 3, config: { auditDirInitiatorShare: 0.99 } }).items.find(
    (i) => i.value === '/var/lib/backup/spool',
  );
  assert.equal(strict?.evidence.auditInitiator, undefined);
});
