import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useAlertsHub } from '../testing/alerts-hub';
import { AlertView } from './alert-view';
import { DeliveryView } from './alerts.service';
import { HELPER, ingestFleet, waitFor } from './test-fleet.fixture';

const fx = useAlertsHub(
  'alerts_approved',
  {
    FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
    FLEETTUNE_ALERTS_LEARNING_SECONDS: '0',
    // Give up quickly, to show a failed delivery is kept and can be sent again.
    FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS: '2',
    FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: '50',
  },
  3,
);

async function decide(decision: string, decidedAt: Date): Promise<void> {
  await fx.prisma.$executeRaw`
    INSERT INTO exclusion_decisions (type, value, "user", decision, comment, decided_by, decided_at)
    VALUES ('process', ${HELPER}, '', ${decision}, 'spec', 'spec', ${decidedAt})`;
}

test('an approved exclusion silences its subject; the newest decision counts', async () => {
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'slack', type: 'slack', url: `${fx.receiver.url}/slack` });
  await ingestFleet(fx.hub, { withHelper: true });
  await decide('approved', new Date(Date.now() - 60_000));
  const silenced = await fx.admin.evaluate();
  assert.deepEqual(silenced.created, []);
  assert.deepEqual(silenced.suppressed, [{ subject: HELPER, why: 'covered by an approved exclusion' }]);
  assert.deepEqual(await fx.admin.ok('GET', '/api/v1/alerts'), []);

  // Rejected later: the approval no longer holds, so the helper alerts.
  await decide('rejected', new Date());
  const r = await fx.admin.evaluate();
  assert.equal(r.created.length, 1);
  const alerts = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  assert.deepEqual(
    alerts.map((a) => a.subject),
    [HELPER],
  );
});

test('a delivery that ran out of attempts stays in the log as failed and can be sent again', async () => {
  const [alert] = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  const deliveries = async () => (await fx.admin.ok<{ deliveries: DeliveryView[] }>('GET', `/api/v1/alerts/${alert.id}`)).deliveries;
  await waitFor('the delivery to fail', async () => (await deliveries())[0]?.status === 'failed');
  assert.deepEqual(
    (await deliveries())[0].log.map((l) => l.statusCode),
    [503, 503],
  );
  assert.deepEqual(await fx.admin.ok('POST', `/api/v1/alerts/${alert.id}/redeliver`), { requeued: 1 });
  await waitFor('the redelivery', async () => (await deliveries())[0]?.status === 'delivered');
  assert.deepEqual(
    (await deliveries())[0].log.map((l) => l.statusCode),
    [503, 503, 503, 200],
  );
  assert.equal(fx.receiver.received.filter((r) => r.status === 200).length, 1);
});
