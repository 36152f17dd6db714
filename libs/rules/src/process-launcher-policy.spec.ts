import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { recommendExclusions } from './recommend-exclusions';
import { FleetActivityRow } from './fleet-activity-row';
import { ProcessLauncherPolicy } from './process-launcher-policy';

// Issue 19 item 2: the OS launcher is never an item, on macOS or Linux. Fleets of three hosts, as in the
// review that found it (the Cisco guide's "Identify Parent Process" walk on three Macs, MDE on three Linux hosts).
const W = 20 * 60_000;
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % W);
const MACS = ['mac-1', 'mac-2', 'mac-3'];
const LINUX = ['lnx-1', 'lnx-2', 'lnx-3'];

function exec(hostId: string, path: string, parentPath: string, count: number, user = 'root'): FleetActivityRow {
  return { kind: 'exec', path, parentPath, user, uid: user === 'root' ? 0 : 501, hostId, windowStartMs: T0, count };
}

const LAUNCHER_VALUES =
  /\/(launchd|xpcproxy|systemd|init|cron|crond|anacron|atd|sshd|login|loginwindow|sudo|su|doas|polkitd|pkexec|gdm|lightdm|sddm|runuser|containerd(-shim[^/]*)?|dockerd|runc|crio|podman|conmon|kubelet|Terminal|iTerm2|gnome-terminal(-server)?|xterm|tmux|screen)$/;

test('policy: launchers of both OSes by name, shim families by prefix, terminals by bundle', () => {
  const p = new ProcessLauncherPolicy(['my-supervisor']);
  for (const [path, kind] of [
    ['/sbin/launchd', 'init or launcher'],
    ['/usr/libexec/xpcproxy', 'init or launcher'],
    ['/usr/lib/systemd/systemd', 'init or launcher'],
    ['/sbin/init', 'init or launcher'],
    ['/usr/sbin/cron', 'init or launcher'],
    ['/usr/sbin/crond', 'init or launcher'],
    ['/usr/sbin/anacron', 'init or launcher'],
    ['/usr/sbin/atd', 'init or launcher'],
    ['/usr/sbin/sshd', 'session, login or privilege daemon'],
    ['/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow', 'session, login or privilege daemon'],
    ['/usr/bin/sudo', 'privilege wrapper'],
    ['/usr/bin/pkexec', 'privilege wrapper'],
    ['/usr/lib/polkit-1/polkitd', 'session, login or privilege daemon'],
    ['/usr/sbin/gdm3', 'session, login or privilege daemon'],
    ['/usr/sbin/runuser', 'privilege wrapper'],
    ['/usr/bin/containerd-shim-runc-v2', 'container runtime'],
    ['/usr/bin/containerd', 'container runtime'],
    ['/usr/bin/dockerd', 'container runtime'],
    ['/usr/sbin/runc', 'container runtime'],
    ['/usr/bin/conmon', 'container runtime'],
    ['/usr/bin/kubelet', 'container runtime'],
    ['/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal', 'terminal'],
    ['/Applications/iTerm.app/Contents/MacOS/iTerm2', 'terminal'],
    ['/Applications/Warp.app/Contents/MacOS/stable', 'terminal'],
    ['/usr/libexec/gnome-terminal-server', 'terminal'],
    ['/usr/bin/tmux', 'terminal'],
    ['/opt/site/bin/my-supervisor', 'init or launcher'],
  ] as const) {
    assert.equal(p.kindOf(path), kind, path);
  }
  for (const path of ['/opt/jamf/bin/jamf', '/opt/x/bin/helper', '/usr/local/bin/dockerize', '/opt/cron-report/bin/report', '/usr/bin/initctl-wrapper']) {
    assert.equal(p.kindOf(path), undefined, path);
  }
});

test('macOS: a job started by launchd never makes launchd an item; the refusal names the child (Cisco Identify Parent Process walk)', () => {
  const rows: FleetActivityRow[] = [];
  for (const h of MACS) {
    // A script (bash) started by launchd runs rm 2/s: the review's "exclude /sbin/launchd, apply to children".
    rows.push(exec(h, '/bin/rm', '/bin/bash', 2400));
    rows.push(exec(h, '/bin/bash', '/sbin/launchd', 20));
    // A Mach-O helper started by launchd runs grep 2/s: the helper is the item, not launchd.
    rows.push(exec(h, '/usr/bin/grep', '/opt/x/bin/helper', 2400));
    rows.push(exec(h, '/opt/x/bin/helper', '/sbin/launchd', 40));
    // XPC services start under xpcproxy: defaults run by it 2/s.
    rows.push(exec(h, '/usr/bin/defaults', '/usr/libexec/xpcproxy', 2400));
    // A user's Terminal running zsh running ls.
    rows.push(exec(h, '/bin/ls', '/bin/zsh', 2400, 'alice'));
    rows.push(exec(h, '/bin/zsh', '/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal', 30, 'alice'));
    // sudo from loginwindow's session: sudo is refused as a program, the walk passes it, loginwindow stops it.
    rows.push(exec(h, '/usr/bin/sudo', '/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow', 2400));
    // launchd itself is busy in Defender's statistics.
    rows.push({ kind: 'scan', path: '/sbin/launchd', hostId: h, windowStartMs: T0, count: 2071 });
  }
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  const values = items.map((i) => i.value);
  assert.deepEqual(
    values.filter((v) => LAUNCHER_VALUES.test(v)),
    [],
    JSON.stringify(values),
  );
  const helper = items.find((i) => i.value === '/opt/x/bin/helper');
  assert.equal(helper?.applyToChildren, true, 'the program below launchd that uniquely identifies the application');
  const why = (subject: string) =>
    rejected
      .filter((r) => r.subject === subject)
      .map((r) => r.why)
      .join(' | ');
  assert.match(
    why('/bin/rm'),
    /\/sbin\/launchd refused \(OS launcher: init or launcher\): the child it starts, \/bin\/bash, cannot be excluded either \(bash is a shell/,
  );
  assert.match(why('/usr/bin/defaults'), /\/usr\/libexec\/xpcproxy refused \(OS launcher/);
  assert.match(why('/bin/ls'), /Terminal refused \(OS launcher: terminal\): the child it starts, \/bin\/zsh/);
  assert.match(why('/usr/bin/sudo'), /loginwindow refused \(OS launcher: session, login or privilege daemon\)/);
  assert.match(why('/sbin/launchd'), /\/sbin\/launchd refused \(OS launcher: init or launcher\)/);
});

test('macOS: /sbin/launchd from the real RTP statistics sample is refused, not a low-risk item', () => {
  const sample = JSON.parse(readFileSync(join(__dirname, '..', '..', 'mdatp', 'fixtures', 'mdatp_rtp_statistics_macos_excerpt.json'), 'utf8')) as {
    counters: { name: string | null; path: string | null; totalFilesScanned: string }[];
  };
  const rows: FleetActivityRow[] = [];
  for (const h of MACS) {
    for (const c of sample.counters) {
      if (c.path) rows.push({ kind: 'scan', path: c.path, hostId: h, windowStartMs: T0, count: Number(c.totalFilesScanned) });
    }
  }
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  assert.ok(!items.some((i) => i.value === '/sbin/launchd'), JSON.stringify(items.map((i) => [i.value, i.risk.level])));
  assert.ok(rejected.some((r) => r.subject === '/sbin/launchd' && /OS launcher/.test(r.why)));
});

test('Linux: systemd, cron, sshd, sudo and container runtimes are never items; each refusal names the child', () => {
  const rows: FleetActivityRow[] = [];
  for (const h of LINUX) {
    rows.push(exec(h, '/usr/bin/find', '/usr/sbin/cron', 2400));
    rows.push(exec(h, '/usr/bin/curl', '/bin/sh', 2400));
    rows.push(exec(h, '/bin/sh', '/usr/lib/systemd/systemd', 30));
    rows.push(exec(h, '/usr/bin/id', '/usr/sbin/sshd', 2400));
    rows.push(exec(h, '/usr/bin/cat', '/usr/bin/containerd-shim-runc-v2', 2400));
    // sudo is a privilege wrapper: the walk passes through it, to tmux (stop) or to the application that ran it.
    rows.push(exec(h, '/usr/bin/date', '/usr/bin/sudo', 2400));
    rows.push(exec(h, '/usr/bin/sudo', '/usr/bin/tmux', 2));
    rows.push(exec(h, '/usr/bin/hostname', '/usr/bin/doas', 2400));
    rows.push(exec(h, '/usr/bin/doas', '/opt/agent/bin/agentd', 2));
    // sshd re-executes itself per connection: noisy on its own, still never an item.
    rows.push(exec(h, '/usr/sbin/sshd', '/usr/sbin/sshd', 3000));
    // Audit initiators: systemd and sshd are noisy in audit.log, and refused there too.
    rows.push({ kind: 'audit-exe', path: '/usr/lib/systemd/systemd', hostId: h, windowStartMs: T0, count: 5000 });
    rows.push({ kind: 'audit-exe', path: '/usr/sbin/sshd', hostId: h, windowStartMs: T0, count: 5000 });
    rows.push({ kind: 'audit-exe', path: '/opt/backup/bin/backupd', hostId: h, windowStartMs: T0, count: 5000 });
  }
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  const values = items.map((i) => i.value);
  assert.deepEqual(
    values.filter((v) => LAUNCHER_VALUES.test(v)),
    [],
    JSON.stringify(values),
  );
  assert.ok(values.includes('/opt/backup/bin/backupd'), 'an ordinary initiator still passes');
  const why = (subject: string) =>
    rejected
      .filter((r) => r.subject === subject)
      .map((r) => r.why)
      .join(' | ');
  assert.match(why('/usr/bin/find'), /\/usr\/sbin\/cron refused \(OS launcher: init or launcher\): the child it starts, \/usr\/bin\/find/);
  assert.match(why('/usr/bin/curl'), /\/usr\/lib\/systemd\/systemd refused \(OS launcher: init or launcher\): the child it starts, \/bin\/sh/);
  assert.match(why('/usr/bin/id'), /\/usr\/sbin\/sshd refused \(OS launcher: session, login or privilege daemon\)/);
  assert.match(why('/usr/bin/cat'), /containerd-shim-runc-v2 refused \(OS launcher: container runtime\)/);
  assert.match(why('/usr/bin/date'), /\/usr\/bin\/tmux refused \(OS launcher: terminal\): the child it starts, \/usr\/bin\/sudo/);
  const agentd = items.find((i) => i.value === '/opt/agent/bin/agentd');
  assert.equal(agentd?.applyToChildren, true, 'the application above doas, with children');
  assert.match(agentd!.reason, /via \/usr\/bin\/doas/);
  assert.match(why('/usr/sbin/sshd'), /OS launcher/);
  assert.match(why('/usr/lib/systemd/systemd'), /OS launcher/);
});

test('property: whatever the process trees, no item is a launcher and every refused utility is explained', () => {
  const launchers = fc.constantFrom(
    '/sbin/launchd',
    '/usr/libexec/xpcproxy',
    '/usr/lib/systemd/systemd',
    '/usr/sbin/cron',
    '/usr/sbin/sshd',
    '/usr/bin/containerd-shim-runc-v2',
    '/usr/bin/tmux',
  );
  const apps = fc.constantFrom('/opt/a/bin/a', '/opt/b/bin/b', '/bin/bash', '/bin/sh', '/usr/bin/python3');
  const utils = fc.constantFrom('/usr/bin/grep', '/bin/rm', '/usr/bin/find');
  fc.assert(
    fc.property(fc.array(fc.tuple(utils, apps, launchers, fc.nat(2), fc.integer({ min: 2500, max: 5000 })), { minLength: 1, maxLength: 30 }), (specs) => {
      const rows: FleetActivityRow[] = [];
      for (const [u, a, l, h, n] of specs) {
        rows.push(exec(`h${h}`, u, a, n));
        rows.push(exec(`h${h}`, a, l, 10));
        rows.push(exec(`h${h}`, l, l, n));
      }
      // minHosts 1: a tree on one host must be explained too (the fleet bar, default 2, is not what this tests).
      const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3, config: { minHosts: 1 } });
      for (const it of items) assert.doesNotMatch(it.value, LAUNCHER_VALUES, it.value);
      for (const [u] of specs) {
        const explained = rejected.some((r) => r.subject === u) || items.some((i) => i.applyToChildren && i.reason.includes(u));
        assert.ok(explained, u);
      }
    }),
    { numRuns: 150 },
  );
});
