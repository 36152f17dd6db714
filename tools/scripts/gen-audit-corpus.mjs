#!/usr/bin/env node
// Writes the generated part of the audit corpus (libs/audit/fixtures/corpus/gen-*.log):
// records of every arch auditd knows besides x86_64, quoted field values,
// multi-host node= prefixes, event boundaries aureport draws (LOGIN/SERVICE_START
// or NETFILTER_CFG before the SYSCALL, non-adjacent records, node= splits, time
// gaps) and user-space records with exe=. Syscall numbers come from auditd's own
// table (`ausyscall <machine> <name>`), so the logs are what those machines'
// kernels write. Deterministic: run it again and the files are the same.
// Run: node tools/scripts/gen-audit-corpus.mjs   (needs the auditd package)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

const OUT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'libs', 'audit', 'fixtures', 'corpus');
const GS = '\x1d';

// arch= value -> machine as ausearch -i names it (tools/scripts/gen-syscall-tables.sh finds the same list).
const ARCHS = [
  ['40000003', 'i386'],
  ['c00000b7', 'aarch64'],
  ['80000015', 'ppc64'],
  ['c0000015', 'ppc64le'],
  ['14', 'ppc'],
  ['80000016', 's390x'],
  ['16', 's390'],
  ['40000028', 'armeb'],
  ['c000003e', 'x86_64'],
];

const numCache = new Map();
function num(machine, name) {
  const k = machine + ' ' + name;
  if (!numCache.has(k)) {
    let n = -1;
    try {
      n = Number(execFileSync('ausyscall', [machine, name, '--exact'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      n = -1;
    }
    numCache.set(k, Number.isFinite(n) ? n : -1);
  }
  return numCache.get(k);
}
function dump(machine) {
  return execFileSync('ausyscall', [machine, '--dump'], { encoding: 'utf8' })
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((p) => p.length === 2)
    .map(([n, name]) => [Number(n), name]);
}

const hex = (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
const ids = (uid = 0) => `auid=${uid === 0 ? 4294967295 : uid} uid=${uid} gid=${uid} euid=${uid} suid=${uid} fsuid=${uid} egid=${uid} sgid=${uid} fsgid=${uid}`;

/** A clock and serial counter: each event gets the next serial; `tick` moves time on. */
function clock(start) {
  let ms = start * 1000;
  let serial = 1000;
  return {
    next(stepMs = 7) {
      ms += stepMs;
      serial += 1;
      return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${serial}`;
    },
  };
}

function syscallRec(
  id,
  { arch, nr, success = 'yes', exit = 0, items = 0, ppid, pid, uid = 0, comm, exe, key = '(null)', a1 = '7ffd0', a2 = '0', tty = '(none)', node, enriched },
) {
  let s = `${node ? `node=${node} ` : ''}type=SYSCALL msg=audit(${id}): arch=${arch} syscall=${nr} success=${success} exit=${exit} a0=3 a1=${a1} a2=${a2} a3=0 items=${items} ppid=${ppid} pid=${pid} ${ids(uid)} tty=${tty} ses=${uid === 0 ? 4294967295 : 3} comm="${comm}" exe="${exe}" key=${key}`;
  if (enriched)
    s += `${GS}ARCH=${enriched.machine} SYSCALL=${enriched.name} AUID="${uid === 0 ? 'unset' : 'user'}" UID="${uid === 0 ? 'root' : 'user'}" GID="${uid === 0 ? 'root' : 'user'}"`;
  return s;
}
const pre = (node) => (node ? `node=${node} ` : '');
const pathRec = (id, item, name, nametype, node, dev = '08:01') =>
  `${pre(node)}type=PATH msg=audit(${id}): item=${item} name="${name}" inode=${1000 + item} dev=${dev} mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=${nametype} cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`;
const cwdRec = (id, cwd, node) => `${pre(node)}type=CWD msg=audit(${id}): cwd="${cwd}"`;
const proctitle = (id, argv, node) => `${pre(node)}type=PROCTITLE msg=audit(${id}): proctitle=${hex(argv.join('\0'))}`;
const execveRec = (id, argv, node) => `${pre(node)}type=EXECVE msg=audit(${id}): argc=${argv.length} ${argv.map((a, i) => `a${i}="${a}"`).join(' ')}`;

/** One arch's activity: execs (ok and failed), file ops, forks, a connect, keyed rules. */
function archActivity(c, arch, machine, opts = {}) {
  const { node, enriched } = opts;
  const out = [];
  const en = (name) => (enriched ? { machine, name } : undefined);
  const sc = (name) => num(machine, name);
  let pid = 4000 + (Number.parseInt(arch.slice(-3), 16) % 500);
  const shell = '/usr/bin/bash';
  const progs = ['/usr/bin/ls', '/usr/bin/git', '/usr/bin/python3.11', '/usr/bin/ls', '/usr/lib/jvm/bin/java', '/usr/bin/ls'];
  for (const prog of progs) {
    const id = c.next();
    pid++;
    const argv = [path.basename(prog), '-l'];
    out.push(
      syscallRec(id, { arch, nr: sc('execve'), items: 2, ppid: 4000, pid, comm: path.basename(prog), exe: prog, key: '"exec"', node, enriched: en('execve') }),
    );
    out.push(
      execveRec(id, argv, node),
      cwdRec(id, '/srv/app', node),
      pathRec(id, 0, prog, 'NORMAL', node),
      pathRec(id, 1, '/lib/ld-linux.so', 'NORMAL', node),
      proctitle(id, argv, node),
    );
  }
  // A failed execve (no such file): not an exec, still an execve syscall event.
  {
    const id = c.next();
    out.push(
      syscallRec(id, {
        arch,
        nr: sc('execve'),
        success: 'no',
        exit: -2,
        items: 1,
        ppid: 4000,
        pid: pid + 1,
        comm: 'bash',
        exe: shell,
        key: '"exec"',
        node,
        enriched: en('execve'),
      }),
    );
    out.push(cwdRec(id, '/srv/app', node), pathRec(id, 0, '/usr/bin/nope', 'UNKNOWN', node), proctitle(id, ['bash'], node));
  }
  // File activity: open for write (openat, or open where the arch has it), unlink, rename.
  const openName = sc('openat') >= 0 ? 'openat' : 'open';
  for (let i = 0; i < 3; i++) {
    const id = c.next();
    out.push(
      syscallRec(id, {
        arch,
        nr: sc(openName),
        items: 1,
        ppid: 1,
        pid: 900,
        comm: 'rsyslogd',
        exe: '/usr/sbin/rsyslogd',
        key: '"logs"',
        a1: openName === 'open' ? '441' : '7ffd0',
        a2: openName === 'open' ? '1b6' : '441',
        node,
        enriched: en(openName),
      }),
    );
    out.push(cwdRec(id, '/', node), pathRec(id, 0, `/var/log/app${i}.log`, 'NORMAL', node), proctitle(id, ['rsyslogd'], node));
  }
  const unlinkName = sc('unlinkat') >= 0 ? 'unlinkat' : 'unlink';
  {
    const id = c.next();
    out.push(
      syscallRec(id, {
        arch,
        nr: sc(unlinkName),
        items: 2,
        ppid: 1,
        pid: 901,
        comm: 'tmpwatch',
        exe: '/usr/sbin/tmpwatch',
        key: '"tmp"',
        node,
        enriched: en(unlinkName),
      }),
    );
    out.push(cwdRec(id, '/tmp', node), pathRec(id, 0, '/tmp/', 'PARENT', node), pathRec(id, 1, 'old.tmp', 'DELETE', node), proctitle(id, ['tmpwatch'], node));
  }
  const renameName = sc('renameat2') >= 0 ? 'renameat2' : sc('renameat') >= 0 ? 'renameat' : 'rename';
  {
    const id = c.next();
    out.push(
      syscallRec(id, {
        arch,
        nr: sc(renameName),
        items: 4,
        ppid: 1,
        pid: 902,
        comm: 'dpkg',
        exe: '/usr/bin/dpkg',
        key: '"pkg"',
        node,
        enriched: en(renameName),
      }),
    );
    out.push(
      cwdRec(id, '/', node),
      pathRec(id, 0, '/usr/lib/', 'PARENT', node),
      pathRec(id, 1, '/usr/lib/', 'PARENT', node),
      pathRec(id, 2, '/usr/lib/libz.so.dpkg-new', 'DELETE', node),
      pathRec(id, 3, '/usr/lib/libz.so', 'CREATE', node),
      proctitle(id, ['dpkg'], node),
    );
  }
  // Forks and a connect (syscalls that differ the most between tables).
  for (const name of ['clone', 'clone', 'connect', 'mount', 'init_module', 'setuid', 'kill']) {
    const nr = sc(name);
    if (nr < 0) continue;
    const id = c.next();
    out.push(syscallRec(id, { arch, nr, items: 0, ppid: 1, pid: 903, comm: 'agentd', exe: '/opt/agent/bin/agentd', key: '"sys"', node, enriched: en(name) }));
    out.push(proctitle(id, ['agentd'], node));
  }
  return out;
}

/**
 * Every 8th entry of one machine's table, the exec syscalls, and two numbers it
 * does not know (a sample keeps the file small; syscall-names.spec.ts checks
 * every entry against `ausyscall --dump`).
 */
function tableSample(c, arch, machine) {
  const out = [];
  const known = dump(machine);
  const max = Math.max(...known.map(([n]) => n));
  const sample = known.filter(([, name], i) => i % 8 === 0 || name === 'execve' || name === 'execveat');
  for (const [n] of [...sample, [max + 7], [max + 100]]) {
    out.push(syscallRec(c.next(1), { arch, nr: n, success: 'no', exit: -1, ppid: 1, pid: 77, comm: 'fuzz', exe: '/opt/fuzz/bin/syscall-fuzzer' }));
  }
  return out;
}

function write(name, lines) {
  writeFileSync(path.join(OUT, name), lines.join('\n') + '\n', 'latin1');
  console.log(`wrote ${name}: ${lines.length} lines`);
}

// 1. Other architectures, raw: one host per arch family, plus every table entry named once.
{
  const c = clock(1733500000);
  const lines = [];
  for (const [arch, machine] of ARCHS) if (machine !== 'x86_64') lines.push(...archActivity(c, arch, machine));
  write('gen-multiarch.raw.log', lines);
  const t = clock(1733510000);
  const table = [];
  for (const [arch, machine] of ARCHS) table.push(...tableSample(t, arch, machine));
  write('gen-syscall-tables.raw.log', table);
}

// 2. Other architectures, ENRICHED, on named hosts (node=), as a central collector stores them.
{
  const c = clock(1733520000);
  const lines = [];
  for (const [arch, machine] of ARCHS) lines.push(...archActivity(c, arch, machine, { node: `${machine}-host`, enriched: true }));
  write('gen-multiarch-nodes.enriched.log', lines);
}

// 3. Quoted values, as some shippers and real captures write them.
{
  const c = clock(1733530000);
  const lines = [];
  for (const [arch, machine, prog, success] of [
    ['c000003e', 'x86_64', '/usr/bin/curl', 'yes'],
    ['c00000b7', 'aarch64', '/usr/bin/curl', 'yes'],
    ['40000003', 'i386', '/usr/bin/wget', 'yes'],
    ['c000003e', 'x86_64', '/usr/bin/missing', 'no'],
  ]) {
    const id = c.next();
    const nr = num(machine, 'execve');
    lines.push(
      `type=SYSCALL msg=audit(${id}): arch=${arch} syscall=${nr} success="${success}" exit=${success === 'yes' ? 0 : -2} a0=55d0 a1=55d1 a2=55d2 a3=0 items=1 ppid=3100 pid=3101 ${ids(1000)} tty="(none)" ses=3 comm="${path.basename(prog)}" exe="${prog}" key="net-tools"`,
      `type=EXECVE msg=audit(${id}): argc=2 a0="${path.basename(prog)}" a1="https://example.org"`,
      `type=CWD msg=audit(${id}): cwd="/home/user"`,
      `type=PATH msg=audit(${id}): item=0 name="${prog}" inode=5512 dev="00:2f" mode=0100755 ouid=0 ogid=0 rdev="00:00" nametype=NORMAL`,
      `type=PROCTITLE msg=audit(${id}): proctitle="${path.basename(prog)}"`,
    );
  }
  {
    const id = c.next();
    lines.push(
      `type=SYSCALL msg=audit(${id}): arch=c000003e syscall=257 success="yes" exit=3 a0=ffffff9c a1=7ffd a2=241 a3=1b6 items=2 ppid=1 pid=700 ${ids(0)} tty="(none)" ses=4294967295 comm="logrotate" exe="/usr/sbin/logrotate" key="logs"`,
      `type=CWD msg=audit(${id}): cwd="/"`,
      `type=PATH msg=audit(${id}): item=0 name="/var/log/" inode=2 dev="00:2f" mode=040755 ouid=0 ogid=0 rdev="00:00" nametype=PARENT`,
      `type=PATH msg=audit(${id}): item=1 name="/var/log/syslog.1" inode=9 dev="00:2f" mode=0100640 ouid=0 ogid=0 rdev="00:00" nametype=CREATE`,
    );
  }
  write('gen-quoted-values.raw.log', lines);
}

// 4. Event boundaries as aureport draws them, several hosts in one file.
{
  const c = clock(1733540000);
  const lines = [];
  const x = (nr) => nr; // x86_64 numbers below: 59 execve, 1 write, 44 sendto, 54 setsockopt, 2 open
  // LOGIN before the SYSCALL of the same serial (pam_loginuid writing /proc/self/loginuid).
  {
    const id = c.next();
    lines.push(
      `type=LOGIN msg=audit(${id}): pid=2201 uid=0 subj=unconfined old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=7 res=1`,
      syscallRec(id, { arch: 'c000003e', nr: x(1), items: 0, ppid: 1, pid: 2201, comm: 'sshd', exe: '/usr/sbin/sshd' }),
      proctitle(id, ['sshd: user [priv]']),
    );
  }
  // SERVICE_START before the SYSCALL of the same serial (systemd's sendto on its netlink socket).
  {
    const id = c.next();
    lines.push(
      `type=SERVICE_START msg=audit(${id}): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='unit=apt-daily comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'`,
      syscallRec(id, { arch: 'c000003e', nr: x(44), items: 0, ppid: 0, pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd' }),
      `type=SOCKADDR msg=audit(${id}): saddr=100000000000000000000000`,
      proctitle(id, ['/sbin/init']),
    );
  }
  // NETFILTER_CFG records first, then the SYSCALL (nft/iptables on 5.x+ kernels), and a NETFILTER_CFG-only event.
  {
    const id = c.next();
    lines.push(
      `type=NETFILTER_CFG msg=audit(${id}): table=filter:2 family=2 entries=4 op=nft_register_chain pid=3300 subj=unconfined comm="iptables"`,
      `type=NETFILTER_CFG msg=audit(${id}): table=filter:2 family=2 entries=1 op=nft_register_rule pid=3300 subj=unconfined comm="iptables"`,
      syscallRec(id, { arch: 'c000003e', nr: x(46), items: 0, ppid: 3299, pid: 3300, comm: 'iptables', exe: '/usr/sbin/xtables-nft-multi' }),
      `type=SOCKADDR msg=audit(${id}): saddr=100000000000000000000000`,
      proctitle(id, ['iptables', '-A', 'INPUT', '-j', 'ACCEPT']),
    );
    const id2 = c.next();
    lines.push(`type=NETFILTER_CFG msg=audit(${id2}): table=filter family=2 entries=0`);
  }
  // Records of two events interleaved, one of them continued further down (not adjacent).
  {
    const a = c.next();
    const b = c.next();
    lines.push(
      syscallRec(a, { arch: 'c000003e', nr: x(59), items: 1, ppid: 2500, pid: 2501, comm: 'make', exe: '/usr/bin/make', key: '"exec"' }),
      syscallRec(b, { arch: 'c000003e', nr: x(59), items: 1, ppid: 2501, pid: 2502, comm: 'cc', exe: '/usr/bin/cc', key: '"exec"' }),
      execveRec(a, ['make', 'all']),
      execveRec(b, ['cc', '-c', 'x.c']),
      pathRec(a, 0, '/usr/bin/make', 'NORMAL'),
      `type=USER_CMD msg=audit(${c.next()}): pid=2600 uid=1000 auid=1000 ses=3 subj=unconfined msg='cwd="/home/user" cmd=6C73202D6C exe="/usr/bin/sudo" terminal=pts/0 res=success'`,
      pathRec(b, 0, '/usr/bin/cc', 'NORMAL'),
      proctitle(a, ['make', 'all']),
      cwdRec(b, '/home/user/src'),
      proctitle(b, ['cc', '-c', 'x.c']),
    );
  }
  // The same serial on two hosts, and one serial whose records carry different node= names (two events).
  {
    const id = c.next();
    lines.push(
      syscallRec(id, { arch: 'c000003e', nr: x(59), items: 1, ppid: 10, pid: 11, comm: 'cron', exe: '/usr/sbin/cron', node: 'web1', key: '"exec"' }),
      syscallRec(id, {
        arch: 'c00000b7',
        nr: num('aarch64', 'execve'),
        items: 1,
        ppid: 20,
        pid: 21,
        comm: 'cron',
        exe: '/usr/sbin/cron',
        node: 'arm-db2',
        key: '"exec"',
      }),
      pathRec(id, 0, '/usr/sbin/cron', 'NORMAL', 'web1'),
      pathRec(id, 0, '/usr/sbin/cron', 'NORMAL', 'arm-db2'),
      proctitle(id, ['cron'], 'web1'),
      proctitle(id, ['cron'], 'arm-db2'),
    );
    const id2 = c.next();
    lines.push(
      syscallRec(id2, { arch: 'c000003e', nr: x(2), items: 1, ppid: 10, pid: 12, comm: 'cat', exe: '/usr/bin/cat', node: 'web1', a1: '0' }),
      pathRec(id2, 0, '/etc/hosts', 'NORMAL', 'web2'),
      proctitle(id2, ['cat', '/etc/hosts'], 'web1'),
    );
  }
  // A time gap of 2 s or more ends the open events; records of the old id after it start a new event.
  {
    const id = c.next();
    lines.push(syscallRec(id, { arch: 'c000003e', nr: x(1), items: 0, ppid: 1, pid: 30, comm: 'writer', exe: '/usr/bin/writer' }));
    const later = c.next(2500);
    lines.push(syscallRec(later, { arch: 'c000003e', nr: x(1), items: 0, ppid: 1, pid: 31, comm: 'writer', exe: '/usr/bin/writer' }));
    lines.push(proctitle(id, ['writer']));
    lines.push(proctitle(later, ['writer']));
  }
  write('gen-event-boundaries.raw.log', lines);
}

// 5. User-space records: an sshd login, sudo, cron, systemd; raw and ENRICHED, one hex-encoded exe.
{
  const c = clock(1733550000);
  const lines = [];
  const user = (type, msg, { pid = 5100, uid = 0, auid = 4294967295, enriched = false } = {}) =>
    `type=${type} msg=audit(${c.next()}): pid=${pid} uid=${uid} auid=${auid} ses=${auid === 4294967295 ? 4294967295 : 9} subj=unconfined msg='${msg}'${enriched ? `${GS}UID="root" AUID="${auid === 4294967295 ? 'unset' : 'user'}"` : ''}`;
  for (const enriched of [false, true]) {
    lines.push(
      user('USER_AUTH', 'op=PAM:authentication grantors=pam_permit acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success', {
        enriched,
      }),
      user('USER_ACCT', 'op=PAM:accounting grantors=pam_permit acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success', {
        enriched,
      }),
      user(
        'CRYPTO_KEY_USER',
        'op=destroy kind=session fp=? direction=both spid=5101 suid=105 rport=50522 laddr=10.0.0.2 lport=22  exe="/usr/sbin/sshd" hostname=? addr=10.0.0.5 terminal=? res=success',
        { enriched },
      ),
      user('CRED_ACQ', 'op=PAM:setcred grantors=pam_permit acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success', {
        enriched,
      }),
      `type=LOGIN msg=audit(${c.next()}): pid=5100 uid=0 subj=unconfined old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=9 res=1`,
      user(
        'USER_START',
        'op=PAM:session_open grantors=pam_loginuid,pam_unix acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success',
        { auid: 1000, enriched },
      ),
      user('USER_LOGIN', `op=login id=1000 exe=${hex('/usr/sbin/sshd')} hostname=10.0.0.5 addr=10.0.0.5 terminal=/dev/pts/1 res=success`, {
        auid: 1000,
        enriched,
      }),
      user('USER_ACCT', 'op=PAM:accounting grantors=pam_permit acct="user" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/1 res=success', {
        pid: 5200,
        uid: 1000,
        auid: 1000,
        enriched,
      }),
      user('USER_CMD', 'cwd="/home/user" cmd=73797374656D63746C20726573746172742061707061 exe="/usr/bin/sudo" terminal=pts/1 res=success', {
        pid: 5200,
        uid: 1000,
        auid: 1000,
        enriched,
      }),
      user('CRED_REFR', 'op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/1 res=success', {
        pid: 5200,
        uid: 0,
        auid: 1000,
        enriched,
      }),
      user('USER_START', 'op=PAM:session_open grantors=pam_limits,pam_unix acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/1 res=success', {
        pid: 5200,
        uid: 0,
        auid: 1000,
        enriched,
      }),
      user('USER_ACCT', 'op=PAM:accounting grantors=pam_permit acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success', {
        pid: 5300,
        enriched,
      }),
      user('CRED_ACQ', 'op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success', {
        pid: 5300,
        enriched,
      }),
      user('SERVICE_START', 'unit=app comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success', { pid: 1, enriched }),
      user('SERVICE_STOP', 'unit=app comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success', { pid: 1, enriched }),
      user(
        'USER_END',
        'op=PAM:session_close grantors=pam_loginuid,pam_unix acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success',
        { auid: 1000, enriched },
      ),
      user('CRED_DISP', 'op=PAM:setcred grantors=pam_permit acct="user" exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 terminal=ssh res=success', {
        auid: 1000,
        enriched,
      }),
      `type=DAEMON_ROTATE msg=audit(${c.next()}): op=rotate-logs auid=4294967295 pid=1 subj=unconfined res=success`,
    );
    // An exec by sudo between the user records.
    const id = c.next();
    lines.push(
      syscallRec(id, {
        arch: 'c000003e',
        nr: 59,
        items: 1,
        ppid: 5200,
        pid: 5201,
        comm: 'systemctl',
        exe: '/usr/bin/systemctl',
        key: '"exec"',
        enriched: enriched ? { machine: 'x86_64', name: 'execve' } : undefined,
      }),
      pathRec(id, 0, '/usr/bin/systemctl', 'NORMAL'),
      proctitle(id, ['systemctl', 'restart', 'app']),
    );
  }
  write('gen-user-space.log', lines);
}
