import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { archMachine, syscallName } from './syscall-names';
import { ARCH_MACHINES, MACHINE_SYSCALLS } from './syscall-tables';
import { collect } from './testing/collect';

const HAVE_AUSYSCALL = spawnSync('ausyscall', ['--dump']).status === 0;

test('every arch auditd names has a table, looked up by arch= value (any case, leading zeros) or machine name', () => {
  assert.deepEqual(Object.keys(ARCH_MACHINES).sort(), ['14', '16', '40000003', '40000028', '80000015', '80000016', 'c0000015', 'c000003e', 'c00000b7']);
  for (const [arch, machine] of Object.entries(ARCH_MACHINES)) {
    assert.ok(MACHINE_SYSCALLS[machine], machine);
    assert.equal(archMachine(arch.toUpperCase()), machine);
  }
  assert.equal(syscallName('C000003E', 59), 'execve');
  assert.equal(syscallName('00000014', 11), 'execve');
  assert.equal(syscallName('aarch64', 221), 'execve');
  assert.equal(syscallName('c00000b7', 59), 'pipe2');
  assert.equal(syscallName('40000003', 11), 'execve');
  assert.equal(syscallName('c00000f3', 221), undefined); // riscv64: auditd 3.0.9 has no table
  assert.equal(syscallName('c000003e', 9999), undefined);
});

test('the tables are what ausyscall --dump prints, entry by entry', { skip: !HAVE_AUSYSCALL && 'ausyscall not installed (auditd package)' }, () => {
  for (const machine of Object.keys(MACHINE_SYSCALLS)) {
    const dump = spawnSync('ausyscall', [machine, '--dump'], { encoding: 'utf8' }).stdout.split('\n').slice(1);
    let n = 0;
    for (const line of dump) {
      const [num, name] = line.split('\t');
      if (!name) continue;
      assert.equal(syscallName(machine, Number(num)), name, `${machine} ${num}`);
      n++;
    }
    assert.ok(n > 300, `${machine}: ${n} entries`);
  }
});

const S = 'a0=1 a1=2 a2=3 a3=4 items=1 ppid=10 pid=11 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000';

test('execs are found on every arch by its own number, and with a quoted success="yes"', async () => {
  const lines = [
    ['40000003', 11],
    ['c00000b7', 221],
    ['80000015', 11],
    ['c0000015', 11],
    ['14', 11],
    ['80000016', 11],
    ['40000028', 11],
  ].map(
    ([arch, nr], i) =>
      `type=SYSCALL msg=audit(1700000000.00${i}:${i + 1}): arch=${arch} syscall=${nr} success=yes exit=0 ${S} tty=pts0 ses=1 comm="ls" exe="/usr/bin/ls" key=(null)`,
  );
  lines.push(
    `type=SYSCALL msg=audit(1700000000.010:20): arch=c000003e syscall=59 success="yes" exit=0 ${S} tty="(none)" ses=1 comm="ls" exe="/usr/bin/ls" key=(null)`,
  );
  lines.push(`type=PATH msg=audit(1700000000.010:20): item=0 name="/usr/bin/ls" inode=1 dev="00:2f" mode=0100755 ouid=0 ogid=0 rdev="00:00" nametype=NORMAL`);
  // aarch64 syscall 59 is pipe2, not an exec.
  lines.push(`type=SYSCALL msg=audit(1700000000.011:21): arch=c00000b7 syscall=59 success=yes exit=0 ${S} tty=pts0 ses=1 comm="sh" exe="/bin/sh" key=(null)`);
  const { events, stats } = await collect(lines.join('\n') + '\n');
  assert.equal(stats.skipped, 0);
  assert.equal(events.filter((e) => e.exec?.path === '/usr/bin/ls').length, 8);
  assert.deepEqual(
    events.map((e) => e.syscall),
    ['execve', 'execve', 'execve', 'execve', 'execve', 'execve', 'execve', 'execve', 'pipe2'],
  );
  assert.equal(events[7].exec?.ppid, 10);
});

test('initiator: the exe= of user-space records (hex or quoted), and the last record naming one', async () => {
  const text = [
    `type=USER_ACCT msg=audit(1700000000.001:1): pid=5 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting grantors=pam_unix acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success'\x1dUID="root" AUID="unset"`,
    `type=USER_LOGIN msg=audit(1700000000.002:2): pid=5 uid=0 auid=0 ses=1 msg='op=login id=0 exe=2F7573722F7362696E2F73736864 hostname=? addr=? terminal=ssh res=success'`,
    `type=CRED_ACQ msg=audit(1170021601.342:3): user pid=13015 uid=0 auid=4294967295 msg='PAM: setcred acct=root : exe="/usr/sbin/crond" (hostname=?, addr=?, terminal=cron res=success)'`,
    `type=NETFILTER_CFG msg=audit(1170021602.001:4): table=nat:2 family=2 entries=0 op=replace pid=11 subj=unconfined comm="iptables"`,
    `type=SYSCALL msg=audit(1170021602.001:4): arch=c000003e syscall=54 success=yes exit=0 ${S} tty=(none) ses=1 comm="iptables" exe="/usr/sbin/xtables-nft-multi" key=(null)`,
    `type=DAEMON_START msg=audit(1170021603.001:5): op=start ver=3.0.9 format=enriched kernel=6.1.0 auid=4294967295 pid=561 uid=0 ses=4294967295 res=success`,
  ].join('\n');
  const { events } = await collect(text + '\n');
  // Events end in their own order (single-record ones at once): compare the set.
  assert.deepEqual(events.map((e) => e.initiator ?? '-').sort(), ['-', '/usr/sbin/cron', '/usr/sbin/crond', '/usr/sbin/sshd', '/usr/sbin/xtables-nft-multi']);
  assert.equal(events[0].exec, undefined);
});
