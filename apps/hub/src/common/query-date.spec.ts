import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiDate } from './query-date';

test('API dates beyond what PostgreSQL stores are refused, ordinary ones parse', () => {
  assert.equal(apiDate.safeParse('-271821-04-20T00:00:00.000Z').success, false, 'the fuzzer found this one as a 500');
  assert.equal(apiDate.safeParse('+275760-09-13T00:00:00.000Z').success, false);
  assert.equal(apiDate.safeParse('not a date').success, false);
  assert.deepEqual(apiDate.parse('2026-12-07T03:00:00Z'), new Date('2026-12-07T03:00:00Z'));
  assert.deepEqual(apiDate.parse('9999-12-31T23:59:59Z'), new Date('9999-12-31T23:59:59Z'));
});
