import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { Api, T0, ingestFleet, startReceiver } from './test-fleet.fixture';

const ADMIN = 'alerts-learning-admin-token-0123456789';
let db: TestDatabase;
let hub: RunningHub;
let api: Api;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

before(async () => {
  // The default learning period (7 days) is longer than the fleet's 3 days of history (not set here).
  ({ db, hub } = await startTestHub('alerts_learning', {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    // A real schedule too (its first run finds nothing to do).
    FLEETTUNE_ALERTS_INTERVAL_SECONDS: '3600',
    FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: '100',
  }));
  api = new Api(`http://127.0.0.1:${hub.httpPort}`, ADMIN);
  receiver = await startReceiver(0);
});

after(async () => {
  await hub?.close();
  await receiver?.close();
  await db?.drop();
});

test('no alert fires during the learning period, even for a new noisy helper', async () => {
  await api.ok('POST', '/api/v1/alert-channels', { name: 'hook', type: 'webhook', url: `${receiver.url}/hook` });
  const empty = await api.evaluate<{ skipped?: string }>();
  assert.equal(empty.skipped, 'no data ingested yet');

  await ingestFleet(hub, { withHelper: true });
  const r = await api.evaluate<{ skipped?: string; learningEndsAt?: string; created: string[] }>();
  assert.equal(r.skipped, 'learning period');
  assert.equal(r.learningEndsAt, new Date(T0 + 7 * 86_400_000).toISOString());
  assert.deepEqual(r.created, []);
  assert.deepEqual(await api.ok('GET', '/api/v1/alerts'), []);
  assert.equal(await hub.app.get(PrismaService).alertDelivery.count(), 0);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(receiver.received.length, 0);
});
