import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { collect, FIXTURES_DIR } from './testing/collect';

// Copies of /work/shared/samples/audit_*.log (real upstream excerpts).
const sample = (name: string) => readFileSync(path.join(FIXTURES_DIR, 'samples', name));

test('ENRICHED sample with node= prefix: exec, user name from UID=, parent unknown', async () => {
  const { events, stats } = await collect(sample('audit_enriched_execve_laurel.log'));
  assert.equal(stats.events, 1);
  assert.equal(stats.skipped, 0);
  const e = events[0];
  assert.equal(e.syscall, 'execve');
  assert.deepEqual(e.exec, { path: '/usr/bin/whoami', parentPath: '', user: 'root', pid: 10884, ppid: 10883 });
  assert.deepEqual(e.files, []); // an exec's PATH items are the binary and loader, not file activity
  assert.deepEqual(e.keys, []); // key=(null)
});

test('raw sample: hex exe decoded, failed syscall is not an exec, relative PATH joined with CWD', async () => {
  const { events, stats } = await collect(sample('audit_raw_normal_golibaudit.log'));
  assert.equal(stats.events, 5);
  assert.equal(stats.skipped, 0);
  const failed = events.find((e) => e.syscall === 'connect' && e.files.length === 0)!;
  assert.equal(failed.exec, undefined);
  const execs = events.filter((e) => e.exec).map((e) => [e.exec!.path, e.exec!.user, e.keys[0]]);
  assert.deepEqual(execs, [
    ['/usr/bin/grep', '1000', 'user_commands'],
    ['/usr/bin/cat', '1000', 'user_commands'],
  ]);
  const pickup = events.find((e) => e.files.length > 0)!;
  assert.deepEqual(pickup.files, [{ path: '/var/spool/postfix/public/pickup', op: 'open', processPath: '/usr/libexec/postfix/master' }]);
  // the hex-encoded exe of the failed connect is known as pid 1172's exe
  assert.ok(events.some((e) => e.syscall === 'connect'));
});

test('hex exe of a SYSCALL record is decoded', async () => {
  const text = sample('audit_raw_normal_golibaudit.log').toString('latin1').split('\n')[0];
  const { events } = await collect(text.replace('syscall=42 success=no', 'syscall=59 success=yes') + '\n');
  assert.equal(events[0].exec!.path, '/usr/bin/python2.7;58d1ccfb (deleted)');
});

test('raw file sample: rename is ONE op on the new path; unlink is a delete; comment lines are skipped', async () => {
  const { events, stats } = await collect(sample('audit_raw_file_events_golibaudit.log'));
  assert.equal(stats.events, 3);
  assert.deepEqual(stats.skippedReasons, { 'no-type': 3 });
  const rename = events.find((e) => e.syscall === 'rename')!;
  assert.deepEqual(rename.files, [{ path: '/etc/audit/rules.d/audit.rules~', op: 'rename', processPath: '/usr/bin/vim.basic' }]);
  assert.deepEqual(rename.keys, ['auditconfig']);
  const unlink = events.find((e) => e.syscall === 'unlink')!;
  assert.deepEqual(unlink.files, [{ path: '/etc/audit/rules.d/.audit.rules.swp', op: 'delete', processPath: '/usr/bin/vim.basic' }]);
  const dash = events.find((e) => e.exec)!;
  assert.equal(dash.exec!.path, '/usr/bin/dash');
  assert.equal(dash.exec!.user, '1005');
  assert.deepEqual(dash.keys, ['susp_shell']);
});

test('parentPath comes from the exe last seen for the ppid', async () => {
  const lines = [
    'type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=500 uid=0 exe="/usr/bin/bash" key=(null)',
    'type=SYSCALL msg=audit(1.001:2): arch=c000003e syscall=59 success=yes exit=0 ppid=500 pid=501 uid=0 exe="/usr/bin/date" key=(null)',
    'type=SYSCALL msg=audit(1.002:3): arch=c00000b7 syscall=221 success=yes exit=0 ppid=999 pid=502 uid=0 exe="/usr/bin/ls" key=(null)',
  ];
  const { events } = await collect(lines.join('\n'));
  assert.equal(events[1].exec!.parentPath, '/usr/bin/bash');
  assert.equal(events[2].exec!.parentPath, '');
  assert.equal(events[2].syscall, 'execve'); // aarch64 table
});

test('file ops: create, open vs modify by openat flags, distinct (path, op) once', async () => {
  const lines = [
    'type=SYSCALL msg=audit(2.000:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ff a2=241 a3=1b6 ppid=1 pid=7 uid=0 exe="/bin/sh" key="w"',
    'type=CWD msg=audit(2.000:1): cwd="/tmp/ftwatch"',
    'type=PATH msg=audit(2.000:1): item=0 name="/tmp/ftwatch/" nametype=PARENT',
    'type=PATH msg=audit(2.000:1): item=1 name="a.log" nametype=CREATE',
    'type=SYSCALL msg=audit(2.001:2): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ff a2=0 a3=0 ppid=1 pid=7 uid=0 exe="/bin/sh" key="w"',
    'type=PATH msg=audit(2.001:2): item=0 name="/etc/x" nametype=NORMAL',
    'type=PATH msg=audit(2.001:2): item=1 name="/etc/x" nametype=NORMAL',
    'type=SYSCALL msg=audit(2.002:3): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ff a2=8001 a3=0 ppid=1 pid=7 uid=0 exe="/bin/sh" key="w"',
    'type=PATH msg=audit(2.002:3): item=0 name="/etc/y" nametype=NORMAL',
  ];
  const { events } = await collect(lines.join('\n'));
  assert.deepEqual(
    events.map((e) => e.files.map((f) => `${f.op} ${f.path}`)),
    [['create /tmp/ftwatch/a.log'], ['open /etc/x'], ['modify /etc/y']],
  );
});
