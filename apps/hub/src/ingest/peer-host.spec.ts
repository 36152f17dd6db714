import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerHost } from './agent-enrollment.service';

test('peerHost keeps the address and drops the per-connection port', () => {
  assert.equal(peerHost('ipv4:10.0.0.5:51234'), '10.0.0.5');
  assert.equal(peerHost('ipv6:[::1]:51234'), '::1');
  assert.equal(peerHost('[fe80::1]:9'), 'fe80::1');
  assert.equal(peerHost('unix:/run/hub.sock'), '/run/hub.sock');
  assert.equal(peerHost('10.1.2.3:80'), '10.1.2.3');
  assert.equal(peerHost(''), null);
  assert.equal(peerHost(null), null);
});
