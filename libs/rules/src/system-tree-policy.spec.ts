import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExclusionSafetyPolicy } from './exclusion-safety-policy';
import { FleetActivityRow } from './fleet-activity-row';
import { recommendExclusions } from './recommend-exclusions';
import { assessRisk } from './exclusion-risk';
import { canonicalSystemPath, checkWildcardShape } from './system-tree-policy';

const policy = new ExclusionSafetyPolicy();
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const refusedPath = (p: string, dir = false) => {
  const v = policy.checkPath(p, dir);
  assert.equal(v.allowed, false, `${p} should be refused`);
  return v.why!;
};

test('canonical form: /private/etc is /etc, /private/var is /var, /private/tmp is /tmp, case folded (darwin)', () => {
  assert.equal(canonicalSystemPath('/private/etc/sudoers.d/zz'), '/etc/sudoers.d/zz');
  assert.equal(canonicalSystemPath('/PRIVATE/VAR/db/sudo'), '/var/db/sudo');
  assert.equal(canonicalSystemPath('/private/tmp//x/'), '/tmp/x');
  assert.equal(canonicalSystemPath('/privateer/etc'), '/privateer/etc');
});

test('review: /private/etc/sudoers.d, pam.d and ssh (any case) are refused like /etc', () => {
  for (const p of ['/private/etc/sudoers.d/zz', '/private/etc/pam.d/sshd', '/private/etc/ssh/sshd_config', '/PRIVATE/ETC/PAM.D/sudo', '/Private/Etc/Sudoers']) {
    assert.match(refusedPath(p), /sudoers|pam\.d|ssh|system tree/i, p);
  }
  refusedPath('/private/etc/pam.d', true);
  refusedPath('/etc/ssh', true);
});

test('review: libraries in /usr/lib*, /lib* and anywhere (libpam.so.0, libc.so.6, .dylib) are refused', () => {
  for (const p of [
    '/usr/lib/x86_64-linux-gnu/libpam.so.0',
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/lib64/ld-linux-x86-64.so.2',
    '/usr/lib/python3/dist-packages/x.py',
  ]) {
    assert.match(refusedPath(p), /system tree/, p);
  }
  assert.match(refusedPath('/opt/acme/lib/libacme.so.1.2'), /shared library/);
  assert.match(refusedPath('/Applications/Acme.app/Contents/Frameworks/libz.1.dylib'), /shared library/);
});

test('review: web roots and server-side script types are refused (/var/www/html/shell.php5)', () => {
  assert.match(refusedPath('/var/www/html/shell.php5'), /web root/);
  assert.match(refusedPath('/var/www/html', true), /web root/);
  assert.match(refusedPath('/srv/www/site/cache/x.tmp'), /web root/);
  assert.match(refusedPath('/usr/share/nginx/html/index.html'), /system tree|web root/);
  assert.match(refusedPath('/home/*/public_html/up.php'), /web root/);
  assert.match(refusedPath('/opt/uploads/avatar.phtml'), /server-side script/);
  assert.match(refusedPath('/opt/app/webapps/x.jsp'), /server-side script/);
  assert.match(refusedPath('/data/iis/x.aspx'), /server-side script/);
});

test('review: shell start-up files are refused (/home/*/.bashrc, .zshrc, .profile)', () => {
  for (const p of ['/home/*/.bashrc', '/Users/*/.zshrc', '/home/*/.profile', '/root/.bash_profile', '/home/*/.config/fish/config.fish']) {
    assert.equal(policy.checkPath(p, false).allowed, false, p);
  }
  assert.match(refusedPath('/home/*/.bashrc'), /start-up file/);
});

test('the extension deny-list applies to path items: code by type is never a path exclusion', () => {
  for (const p of ['/opt/acme/cache/update.sh', '/opt/acme/plugins/p.jar', '/opt/acme/tmp/x.js', '/var/cache/acme/helper.node']) {
    assert.match(refusedPath(p), /executable or loadable code|server-side script/, p);
  }
  // Data types stay allowed, and a directory named like a type is not a file of that type.
  for (const p of ['/var/log/acme/agent.log', '/var/lib/acme/state.db', '/opt/acme/cache/blob-*.bin', '/etc/resolv.conf']) {
    assert.equal(policy.checkPath(p, false).allowed, true, p);
  }
});

test('wildcards have a bounded shape: few stars, a literal directory that is not a system tree', () => {
  assert.match(checkWildcardShape('/opt/cache/*g*g*g*g*g*g*g*g*g*g*g*g.dat').allowed ? '' : 'refused', /refused/);
  assert.equal(policy.checkPath('/opt/cache/*g*g*g*g.dat', false).allowed, false);
  assert.equal(policy.checkPath('/opt/a/*/b/*/c/*/d-*-*.x', false).allowed, false, 'too many stars in the value');
  assert.equal(policy.checkPath('/var/*/x.log', false).allowed, false, 'only a wildcard below a top-level directory');
  assert.equal(policy.checkPath('/usr/lib/*/libfoo-*.cache', false).allowed, false);
  for (const p of ['/var/tmp/buildcache/*/chunk-*.tmp', '/home/*/.cache/syncagent/sync.log', '/opt/acme/spool/job-*.dat']) {
    assert.equal(policy.checkPath(p, false).allowed, true, p);
  }
});

test('programs: libraries, web roots and rc files are never processes; programs in library trees are high risk', () => {
  assert.equal(policy.checkProcess('/usr/lib/x86_64-linux-gnu/libc.so.6').allowed, false);
  assert.equal(policy.checkProcess('/var/www/html/up/x').allowed, false);
  assert.equal(policy.checkProcess('/opt/.x/implantd').allowed, true, 'the policy alone cannot tell; the fleet bar does');
  const r = assessRisk({ type: 'process', value: '/usr/libexec/acme/acmed', isDirectory: false, applyToChildren: false, coversInterpreter: false });
  assert.equal(r.level, 'high');
  assert.ok(r.flags.includes('system-tree'));
  assert.ok(
    assessRisk({ type: 'process', value: '/Library/Security/x', isDirectory: false, applyToChildren: false, coversInterpreter: false }).flags.includes(
      'system-tree',
    ),
  );
});

const file = (hostId: string, path: string, count: number): FleetActivityRow => ({ kind: 'file', path, hostId, windowStartMs: T0, count });

test('review, through the engine: four numbered files never turn a system directory or web root into one item', () => {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/private/etc/pam.d', '/var/www/html', '/usr/lib/python3/dist-packages'];
  const rows = dirs.flatMap((d) => ['h1', 'h2'].flatMap((h) => [1, 2, 3, 4].map((k) => file(h, `${d}/${k}`, 400))));
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 2 });
  for (const d of dirs) {
    assert.ok(!items.some((i) => i.value === d || i.value.startsWith(d + '/')), `${d}: ${JSON.stringify(items.map((i) => i.value))}`);
    assert.ok(
      rejected.some((r) => r.subject === d),
      `${d} refused with a reason`,
    );
  }
});

test('review, through the engine: the noisy paths of the review are refused on every host count', () => {
  const paths = [
    '/private/etc/sudoers.d/zz',
    '/private/etc/pam.d/sshd',
    '/private/etc/ssh/sshd_config',
    '/var/www/html/shell.php5',
    '/usr/lib/x86_64-linux-gnu/libpam.so.0',
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/home/alice/.bashrc',
  ];
  const rows = paths.flatMap((p) => ['h1', 'h2', 'h3'].map((h) => ({ ...file(h, p, 5000), user: 'alice', uid: 1000 })));
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 3 });
  assert.deepEqual(
    items.map((i) => i.value),
    [],
  );
  for (const p of paths.map((x) => x.replace('/home/alice/', '/home/*/')))
    assert.ok(
      rejected.some((r) => r.subject === p),
      p,
    );
});

test('review: one agent cannot get process /opt/.x/implantd into the fleet set (minHosts 2 by default)', () => {
  const implant: FleetActivityRow = {
    kind: 'exec',
    path: '/opt/.x/implantd',
    parentPath: '/sbin/init',
    user: 'root',
    hostId: 'h-evil',
    windowStartMs: T0,
    count: 50_000,
  };
  const audit: FleetActivityRow = { kind: 'audit-exe', path: '/opt/.x/implantd', hostId: 'h-evil', windowStartMs: T0, count: 50_000 };
  const quiet: FleetActivityRow = { kind: 'exec', path: '/opt/ok/bin/ok', hostId: 'h-good', windowStartMs: T0, count: 1 };
  const { items } = recommendExclusions([implant, audit, quiet], { hostsReporting: 2 });
  assert.ok(!items.some((i) => i.value === '/opt/.x/implantd'), JSON.stringify(items));
});
