import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_TAG_PATTERN, isRole, pushSucceeded, roleAllows, ROLES } from './index';

test('each role may do what the roles before it may, and no role nothing', () => {
  for (const held of ROLES)
    for (const needed of ROLES) assert.equal(roleAllows(held, needed), ROLES.indexOf(held) >= ROLES.indexOf(needed), `${held} -> ${needed}`);
  assert.equal(roleAllows(undefined, 'viewer'), false);
  assert.equal(isRole('admin'), true);
  assert.equal(isRole('root'), false);
});

test('host tags and push outcomes follow the documented rules', () => {
  assert.ok(HOST_TAG_PATTERN.test('prod:eu-1'));
  assert.ok(!HOST_TAG_PATTERN.test('Prod'));
  assert.ok(!HOST_TAG_PATTERN.test('a'.repeat(64)));
  assert.deepEqual(
    ['delivered', 'served', 'unchanged', 'failed', 'queued', 'retrying'].map((status) => pushSucceeded({ status })),
    [true, true, true, false, false, false],
  );
});
