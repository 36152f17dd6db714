import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscoveryService } from '@nestjs/core';
import type { TestDatabase } from '@fleettune/db-tools';
import { startTestHub } from '../testing/test-hub';
import { JobRegistryCheck } from './job-registry-check';
import { JOBS, JobId, registeredJob, registryProblems } from './job-registry';

test('every registered job has exactly one handler in the running hub, on its own queue', async () => {
  const started = await startTestHub('job_registry');
  const db: TestDatabase = started.db;
  try {
    // The check ran at start (the hub would not be up otherwise); run it again and read what it saw.
    const check = started.hub.app.get(JobRegistryCheck);
    assert.doesNotThrow(() => check.onModuleInit());
    const handlers = started.hub.app
      .get(DiscoveryService)
      .getProviders()
      .map((w) => w.instance as { handles?: readonly JobId[] } | undefined)
      .flatMap((i) => (i && Array.isArray(i.handles) ? [...i.handles] : []));
    assert.deepEqual(handlers.sort(), (Object.keys(JOBS) as JobId[]).sort());
  } finally {
    await started.hub.close();
    await db.drop();
  }
});

test('the check names a job without a handler, a job with two, and a handler on the wrong queue', () => {
  const all = [
    { name: 'Recompute', queue: 'exclusions', handles: ['recomputeExclusions'] as JobId[] },
    { name: 'Evaluate', queue: 'alerts', handles: ['evaluateAlerts'] as JobId[] },
    { name: 'AlertDelivery', queue: 'alert-deliveries', handles: ['deliverAlert'] as JobId[] },
    { name: 'Push', queue: 'policy-push', handles: ['deliverPolicyPush', 'recoverPolicyPushes', 'checkPolicyDrift'] as JobId[] },
  ];
  assert.deepEqual(registryProblems(all), []);
  assert.deepEqual(registryProblems(all.slice(1)), ['job recomputeExclusions (exclusions/recompute) has no handler']);
  assert.deepEqual(registryProblems([...all, { name: 'Again', queue: 'alerts', handles: ['evaluateAlerts'] }]), [
    'job evaluateAlerts has 2 handlers: Evaluate, Again',
  ]);
  assert.match(
    registryProblems([...all.slice(0, 3), { name: 'Push', queue: 'alerts', handles: ['deliverPolicyPush', 'recoverPolicyPushes', 'checkPolicyDrift'] }]).join(
      '\n',
    ),
    /listens on queue alerts but declares deliverPolicyPush/,
  );
  // Both delivery queues use one job name; a worker still refuses a job of another queue's registry entry.
  assert.equal(registeredJob('policy-push', 'deliver', ['deliverPolicyPush']), 'deliverPolicyPush');
  assert.throws(() => registeredJob('policy-push', 'evaluate', ['deliverPolicyPush']), /no handler for job "evaluate"/);
});
