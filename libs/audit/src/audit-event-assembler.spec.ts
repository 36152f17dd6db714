import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect } from './testing/collect';

const rec = (type: string, id: string, rest = '') => `type=${type} msg=audit(${id}): ${rest}`;
const sys = (id: string, nr: number, exe: string, extra = '') =>
  rec('SYSCALL', id, `arch=c000003e syscall=${nr} success=yes exit=0 a1=0 a2=0 ppid=1 pid=100 uid=0 exe="${exe}" ${extra}key=(null)`);

test('interleaved records group by msg=audit(sec.ms:serial)', async () => {
  const lines = [
    sys('10.000:1', 59, '/bin/a'),
    sys('10.000:2', 87, '/bin/b'),
    rec('CWD', '10.000:1', 'cwd="/"'),
    rec('PATH', '10.000:2', 'item=0 name="/tmp/x" nametype=DELETE'),
    rec('EOE', '10.000:1'),
    rec('EOE', '10.000:2'),
  ];
  const { events, stats } = await collect(lines.join('\n') + '\n');
  assert.equal(stats.events, 2);
  assert.equal(events.find((e) => e.syscall === 'unlink')!.files[0].path, '/tmp/x');
});

test('an id reused after its event ended (EOE) is a new event; a stray EOE is not', async () => {
  const lines = [sys('10.000:1', 59, '/bin/a'), rec('EOE', '10.000:1'), sys('10.000:1', 59, '/bin/a'), rec('EOE', '10.000:1'), rec('EOE', '10.000:1')];
  const { stats } = await collect(lines.join('\n'));
  assert.equal(stats.events, 2);
});

test('events without EOE end after maxOpenEvents later events, and at end of input', async () => {
  const lines: string[] = [];
  for (let i = 1; i <= 50; i++) lines.push(sys(`10.000:${i}`, 59, '/bin/a'));
  lines.push(rec('PROCTITLE', '10.000:1', 'proctitle="late"')); // after eviction: a new event
  const { stats } = await collect(lines.join('\n'), 1 << 16, { maxOpenEvents: 8 });
  assert.equal(stats.events, 51);
  const all = await collect(lines.join('\n'), 1 << 16, { maxOpenEvents: 100 });
  assert.equal(all.stats.events, 50);
});

test('like aureport: a multi-record event ends once an event >= 2 s newer starts', async () => {
  const lines = [
    sys('10.000:1', 59, '/bin/a'),
    sys('11.999:2', 59, '/bin/a'), // second 11: event 1 stays open
    rec('CWD', '10.000:1', 'cwd="/"'), // joins event 1
    sys('12.000:3', 59, '/bin/a'), // 10 + 2 <= 12: event 1 ends
    rec('PATH', '10.000:1', 'item=0 name="/x" nametype=NORMAL'), // a new event
  ];
  const { stats } = await collect(lines.join('\n'));
  assert.equal(stats.events, 4);
});

test('like aureport: an event whose first record is user-space or PROCTITLE ends with it', async () => {
  const lines = [
    rec('USER_START', '10.000:1', 'pid=1 uid=0 msg=\'op=PAM:session_open acct="bob" exe="/usr/sbin/runuser" res=success\''),
    rec('USER_START', '10.000:1', "pid=1 uid=0 msg='op=PAM:session_open res=success'"),
    rec('PROCTITLE', '10.000:2', 'proctitle="x"'),
    sys('10.000:2', 59, '/bin/a'),
    rec('CONFIG_CHANGE', '10.000:3', 'op=add_rule key="k" list=4 res=1'),
    sys('10.000:3', 44, '/sbin/auditctl'),
  ];
  const { events, stats } = await collect(lines.join('\n'));
  assert.equal(stats.events, 5);
  assert.deepEqual(events.find((e) => e.syscall === 'sendto')!.keys, ['k']);
});
