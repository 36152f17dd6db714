import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutboundAddressPolicy, OutboundRefusedError } from './outbound-address';

test('loopback, private, link-local (metadata), ULA and IPv4-embedding IPv6 forms are refused; public addresses pass', () => {
  const p = new OutboundAddressPolicy([]);
  for (const a of [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12::5',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    'ff02::1',
  ]) {
    assert.ok(p.refusal(a), `${a} must be refused`);
  }
  assert.match(p.refusal('169.254.169.254')!, /link-local/);
  for (const a of ['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e']) {
    assert.equal(p.refusal(a), undefined, `${a} is public`);
  }
});

test('the allow-list admits exactly what it names', () => {
  const p = new OutboundAddressPolicy(['127.0.0.1', '10.20.0.0/16', 'fd00:1::/32']);
  assert.equal(p.refusal('127.0.0.1'), undefined);
  assert.ok(p.refusal('127.0.0.2'));
  assert.equal(p.refusal('10.20.5.6'), undefined);
  assert.ok(p.refusal('10.21.0.1'));
  assert.equal(p.refusal('fd00:1::9'), undefined);
  assert.ok(p.refusal('fd00:2::9'));
  assert.ok(p.refusal('::1'));
  assert.ok(p.refusal('169.254.169.254'));
});

test('a name is refused when any of its addresses is internal, and resolved once', async () => {
  let calls = 0;
  const p = new OutboundAddressPolicy([], async (h) => {
    calls++;
    return h === 'split.test'
      ? [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.5', family: 4 },
        ]
      : [{ address: '93.184.216.34', family: 4 }];
  });
  await assert.rejects(p.resolve('split.test'), OutboundRefusedError);
  assert.deepEqual(await p.resolve('public.test'), { address: '93.184.216.34', family: 4 });
  assert.deepEqual(await p.resolve('[2606:4700:4700::1111]'), { address: '2606:4700:4700::1111', family: 6 });
  await assert.rejects(p.resolve('[::1]'), /loopback/);
  assert.equal(calls, 2, 'literal addresses are not looked up');
});
