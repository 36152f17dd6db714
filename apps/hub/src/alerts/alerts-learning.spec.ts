import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { useAlertsHub } from '../testing/alerts-hub';
import { T0, ingestFleet } from './test-fleet.fixture';

// The default learning period (7 days) is longer than the fleet's 3 days of history (not set here).
const fx = useAlertsHub('alerts_learning', {
  // A real schedule too (its first run finds nothing to do).
  FLEETTUNE_ALERTS_INTERVAL_SECONDS: '3600',
  FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: '100',
});

test('no alert fires during the learning period, even for a new noisy helper', async () => {
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'hook', type: 'webhook', url: `${fx.receiver.url}/hook` });
  const empty = await fx.admin.evaluate<{ skipped?: string }>();
  assert.equal(empty.skipped, 'no data ingested yet');

  await ingestFleet(fx.hub, { withHelper: true });
  const r = await fx.admin.evaluate<{ skipped?: string; learningEndsAt?: string; created: string[] }>();
  assert.equal(r.skipped, 'learning period');
  assert.equal(r.learningEndsAt, new Date(T0 + 7 * 86_400_000).toISOString());
  assert.deepEqual(r.created, []);
  assert.deepEqual(await fx.admin.ok('GET', '/api/v1/alerts'), []);
  assert.equal(await fx.hub.app.get(PrismaService).alertDelivery.count(), 0);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(fx.receiver.received.length, 0);
});
