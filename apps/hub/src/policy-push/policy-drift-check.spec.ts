import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { QUEUES } from '../jobs/job-registry';
import { ConsoleHub, NOISY_ITEMS, startConsoleHub } from '../testing/console-target-fixture';
import { FakeCiscoSecureEndpoint } from '../testing/fake-cisco-secure-endpoint';
import { runJobToEnd } from '../testing/run-job';
import { scrapeMetric } from '../testing/scrape-metric';
import type { DriftCheckResult } from './policy-drift-check.service';

/**
 * The scheduled drift check of console targets, through the real hub (BullMQ job on the worker,
 * PostgreSQL, /metrics) against the fake Secure Endpoint (testing/fake-cisco-secure-endpoint.ts):
 * a hand edit is found and recorded on the target, an unreadable console is recorded with its reason,
 * and the check itself never writes to the console.
 */
const ORG = 'org4baasceazofqpxidpinxtt5l';
const SET_GUID = '0b7d3c2e-1f4a-4e6b-8c9d-2a3b4c5d6e7f';
const CLIENT = { clientId: 'client-fleettune-drift', clientSecret: 'drift-client-password-s3cret' };

let h: ConsoleHub;
let fake: FakeCiscoSecureEndpoint;
let targetId: string;

before(async () => {
  fake = await new FakeCiscoSecureEndpoint({ ...CLIENT, organizationId: ORG, exclusionSetGuid: SET_GUID }).start();
  h = await startConsoleHub('policy_drift_check', 'linux');
  const created = await h.api('POST', '/api/v1/policy-targets', {
    name: 'cisco-drift',
    kind: 'cisco-secure-endpoint',
    config: fake.targetConfig(),
    credentials: CLIENT,
  });
  assert.equal(created.status, 201, created.text);
  targetId = created.body.id;
});

after(async () => {
  await h?.close();
  await fake?.close();
});

const checkNow = async () => (await runJobToEnd(h.hub.app, 'checkPolicyDrift', {})) as DriftCheckResult[];
/** The target's last drift check as an approver sees it in the target list (the dashboard's view). */
const driftCheckOf = async () =>
  ((await h.api('GET', '/api/v1/policy-targets', undefined, 'approver')).body as Array<{ id: string; driftCheck: unknown }>).find((t) => t.id === targetId)!
    .driftCheck as { checkedAt: string; items: number | null; error: string | null } | null;
async function gauge(name: string): Promise<number> {
  const value = await scrapeMetric(h.base, name);
  assert.ok(value !== undefined, `${name} in /metrics`);
  return value;
}

test('the drift check is scheduled on the worker (FLEETTUNE_POLICY_DRIFT_CHECK_SECONDS, default an hour); none has run yet', async () => {
  const queue = h.hub.app.get<Queue>(getQueueToken(QUEUES.policyPush));
  assert.equal(Number((await queue.getJobScheduler('check-policy-drift'))?.every), 3_600_000);
  assert.equal(await driftCheckOf(), null);
});

test('a hand edit of an item the hub manages: found by the scheduled job, recorded on the target and in /metrics; nothing written', async () => {
  await h.decide(NOISY_ITEMS.agent, 'approved', 'process');
  const pushed = await h.pushAndWait(targetId);
  assert.equal(pushed.status, 'delivered', JSON.stringify(pushed));

  const clean = await checkNow();
  assert.deepEqual(
    clean.map((r) => [r.name, r.items, r.error]),
    [['cisco-drift', 0, null]],
  );
  assert.equal(await gauge('fleettune_policy_targets_drifted'), 0);

  const ours = fake.exclusions.find((e) => e.exclusionType === 'process')!;
  fake.editByHand(ours.guid, { engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: false } } });
  fake.addByHand({ exclusionType: 'path', path: '/opt/human-made/cache' });
  const writesBefore = fake.writes().length;
  const [found] = await checkNow();
  assert.equal(found.items, 1, 'the edited item; a human-made item is not drift');
  assert.equal(fake.writes().length, writesBefore, 'the check only reads the console');
  const seen = await driftCheckOf();
  assert.equal(seen?.items, 1);
  assert.equal(seen?.error, null);
  assert.ok(Date.now() - Date.parse(seen!.checkedAt) < 60_000);
  // The scrape cache keeps a reading 5 s.
  await new Promise((r) => setTimeout(r, 5_100));
  assert.equal(await gauge('fleettune_policy_targets_drifted'), 1);

  // The next push restores the approved form; the next check finds nothing.
  assert.equal((await h.pushAndWait(targetId)).status, 'delivered');
  assert.equal((await checkNow())[0].items, 0);
});

test('a console that cannot be read: the reason is recorded, the count is null, the gauge counts it', async () => {
  fake.failNext(20, 503);
  const [r] = await checkNow();
  assert.equal(r.items, null);
  assert.match(r.error ?? '', /503/);
  const seen = await driftCheckOf();
  assert.equal(seen?.items, null);
  assert.match(seen?.error ?? '', /503/);
  await new Promise((r) => setTimeout(r, 5_100));
  assert.equal(await gauge('fleettune_policy_targets_drift_unreadable'), 1);
  assert.equal(await gauge('fleettune_policy_targets_drifted'), 0);
});
