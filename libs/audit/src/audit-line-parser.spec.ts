import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLineParser } from './audit-line-parser';
import { AuditRecord } from './audit-record';

function parse(line: string | Buffer) {
  const buf = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const rec = new AuditRecord();
  const r = new AuditLineParser().parse(buf, 0, buf.length, rec);
  return { r, rec };
}

const SYSCALL_RAW =
  'type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 a0=1522170 a1=1506120 a2=14faeb0 a3=7ffcc4582df0 items=2 ppid=12041 pid=13393 auid=1000 uid=1000 gid=1001 euid=1000 suid=1000 fsuid=1000 egid=1001 sgid=1001 fsgid=1001 tty=pts1 ses=802 comm="grep" exe="/usr/bin/grep" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="user_commands"';

test('raw SYSCALL fields', () => {
  const { r, rec } = parse(SYSCALL_RAW);
  assert.equal(r, null);
  assert.equal(rec.type, 'SYSCALL');
  assert.equal(rec.id, '1492037291.036:59');
  assert.equal(rec.timestampMs, 1492037291036);
  assert.equal(rec.arch, 'c000003e');
  assert.equal(rec.syscallNumber, 59);
  assert.equal(rec.success, true);
  assert.equal(rec.pid, 13393);
  assert.equal(rec.ppid, 12041);
  assert.equal(rec.uid, '1000');
  assert.equal(rec.exe, '/usr/bin/grep');
  assert.deepEqual(rec.keys, ['user_commands']);
});

test('node= prefix is part of the event id', () => {
  const { r, rec } = parse('node=web-1 ' + SYSCALL_RAW);
  assert.equal(r, null);
  assert.equal(rec.node, 'web-1');
  assert.equal(rec.id, 'web-1 1492037291.036:59');
});

test('ENRICHED: fields after 0x1D, key=(null)', () => {
  const { r, rec } = parse(
    'node=work type=SYSCALL msg=audit(1615114232.375:15558): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=10883 pid=10884 auid=1000 uid=0 gid=0 comm="whoami" exe="/usr/bin/whoami" key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID="user" UID="root" GID="root"',
  );
  assert.equal(r, null);
  assert.equal(rec.interpretedSyscall, 'execve');
  assert.equal(rec.interpretedUid, 'root');
  assert.deepEqual(rec.keys, []);
});

test('ENRICHED that lost the 0x1D byte (copy-paste) still splits', () => {
  const { r, rec } = parse(
    'type=SYSCALL msg=audit(1615114232.375:15558): arch=c000003e syscall=59 success=yes ppid=1 pid=2 uid=0 exe="/usr/bin/whoami" key=(null)ARCH=x86_64 SYSCALL=execve AUID="user" UID="root"',
  );
  assert.equal(r, null);
  assert.deepEqual(rec.keys, []);
  assert.equal(rec.interpretedUid, 'root');
  const quoted = parse('type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes pid=2 exe="/x" key="k1"ARCH=x86_64 UID="bob"');
  assert.deepEqual(quoted.rec.keys, ['k1']);
  assert.equal(quoted.rec.interpretedUid, 'bob');
  // hex key ending in A-F glued to ARCH=
  const hex = Buffer.from('abcde').toString('hex').toUpperCase(); // ...6465 ends in a digit; use a key ending in 0xCE
  const hexKey = Buffer.from([0x61, 0xce]).toString('hex').toUpperCase(); // 61CE
  const g = parse(`type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes pid=2 exe="/x" key=${hex}ARCH=x86_64`);
  assert.deepEqual(g.rec.keys, ['abcde']);
  const g2 = parse(`type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes pid=2 exe="/x" key=${hexKey}ARCH=x86_64`);
  assert.equal(g2.r, null);
  assert.equal(g2.rec.keys.length, 1);
});

test('PATH glued interp: cap_fver=0OUID="root"', () => {
  const { r, rec } = parse(
    'type=PATH msg=audit(1615114232.375:15558): item=0 name="/usr/bin/whoami" inode=261214 dev=ca:03 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0OUID="root" OGID="root"',
  );
  assert.equal(r, null);
  assert.equal(rec.name, '/usr/bin/whoami');
  assert.equal(rec.nametype, 'NORMAL');
});

test('several keys of one rule are joined by 0x01 inside hex', () => {
  const hex = Buffer.from('ftdel\x01cleanup').toString('hex').toUpperCase();
  const { rec } = parse(`type=CONFIG_CHANGE msg=audit(1.004:487): auid=4294967295 ses=4294967295 op=add_rule key=${hex} list=4 res=1`);
  assert.deepEqual(rec.keys, ['ftdel', 'cleanup']);
});

test('hex-encoded PATH name and objtype from older kernels', () => {
  const { r, rec } = parse('type=PATH msg=audit(1.000:2): item=0 name=2F746D702F6120622063 inode=1 objtype=CREATE');
  assert.equal(r, null);
  assert.equal(rec.name, '/tmp/a b c');
  assert.equal(rec.nametype, 'CREATE');
});

test('malformed lines say why', () => {
  assert.equal(parse('').r, 'empty');
  assert.equal(parse('hello world').r, 'no-type');
  assert.equal(parse('type=BOGUS_THING msg=audit(1.000:1): x=1').r, 'unknown-type');
  assert.equal(parse('type=SYSCALL msg=audit(1.0001): arch=c000003e').r, 'bad-header');
  assert.equal(parse('type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e sysc').r, 'truncated');
  assert.equal(parse(SYSCALL_RAW.slice(0, SYSCALL_RAW.indexOf(' key='))).r, 'truncated');
  assert.equal(parse('type=PATH msg=audit(1.000:2): item=0 name="/tmp/unterminat').r, 'truncated');
  assert.equal(parse('type=CWD msg=audit(1.000:2): cwd=2F746').r, 'truncated');
  assert.equal(parse(Buffer.from([0x74, 0x79, 0x70, 0x65, 0x3d, 0xff, 0xfe, 0x20])).r, 'invalid-utf8');
  assert.equal(parse('type=SYSCALL\x00msg').r, 'control-bytes');
  assert.equal(parse('type=UNKNOWN[1334] msg=audit(1.000:3): x=1').r, null);
});
