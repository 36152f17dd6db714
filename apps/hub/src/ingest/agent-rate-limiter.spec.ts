import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentRateLimiter } from './agent-rate-limiter';

test('within the burst no wait; past it the wait grows with the deficit; tokens refill', () => {
  const l = new AgentRateLimiter(10, 3);
  const t0 = 1_000_000;
  assert.deepEqual([l.take('a', t0), l.take('a', t0), l.take('a', t0)], [0, 0, 0]);
  assert.equal(l.take('a', t0), 100);
  assert.equal(l.take('a', t0), 200);
  assert.equal(l.take('b', t0), 0, 'agents have their own buckets');
  assert.equal(l.take('a', t0 + 1_000), 0, 'one second refills 10 tokens (capped at 3)');
});
