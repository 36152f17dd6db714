import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAuditValue, parseHexNumber } from './audit-value-decoder';

test('bare hex values decode to text (exe with a space, cwd)', () => {
  assert.equal(decodeAuditValue('2F7573722F62696E2F707974686F6E322E373B3538643163636662202864656C6574656429'), '/usr/bin/python2.7;58d1ccfb (deleted)');
  assert.equal(decodeAuditValue('2F746D702F6120622063'), '/tmp/a b c');
});

test('quoted values keep their text; (null) means no value', () => {
  assert.equal(decodeAuditValue('"/usr/bin/whoami"'), '/usr/bin/whoami');
  assert.equal(decodeAuditValue('(null)'), undefined);
});

test('PROCTITLE hex keeps NUL-separated argv', () => {
  assert.deepEqual(decodeAuditValue('64617368002D70')!.split('\0'), ['dash', '-p']);
});

test('UTF-8 inside hex decodes', () => {
  assert.equal(decodeAuditValue(Buffer.from('/tmp/ü x').toString('hex').toUpperCase()), '/tmp/ü x');
});

test('odd-length hex is treated as cut short', () => {
  assert.equal(decodeAuditValue('2F746'), undefined);
});

test('parseHexNumber reads open flags', () => {
  assert.equal(parseHexNumber('241', 0, 3), 0x241);
  assert.equal(parseHexNumber('zz', 0, 2), -1);
});
