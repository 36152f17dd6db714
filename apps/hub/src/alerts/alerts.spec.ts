import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { digestToken } from '../auth/token-digest';
import { useAlertsHub } from '../testing/alerts-hub';
import { AlertView } from './alert-view';
import { DeliveryView } from './alerts.service';
import { Api, Fleet, HELPER, NOW_WINDOW_START, WINDOW_MS, ingestFleet, waitFor } from './test-fleet.fixture';

const VIEWER = 'alerts-spec-viewer-token-0123456789';
const SECRET = 'alerts-spec-webhook-secret-0123456789';

let fleet: Fleet;

// Alert settings are hub settings like any other.
const fx = useAlertsHub(
  'alerts_spec',
  {
    FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
    FLEETTUNE_ALERTS_LEARNING_SECONDS: String(86_400),
    FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS: '8',
    FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: '100',
    FLEETTUNE_PUBLIC_URL: 'https://fleettune.example',
  },
  2,
  async () => {
    await fx.prisma.apiToken.create({ data: { tokenHash: digestToken(VIEWER), name: 'viewer', role: 'viewer' } });
  },
);

test('a new noisy helper on one host raises exactly one alert, delivered once to each channel despite a down receiver', async () => {
  const viewer = new Api(fx.base, VIEWER);
  assert.equal((await viewer.call('POST', '/api/v1/alert-channels', { name: 'x', type: 'slack', url: 'http://127.0.0.1:1/' })).status, 403);
  const hook = await fx.admin.ok<{ id: string; secret: string }>('POST', '/api/v1/alert-channels', {
    name: 'soc webhook',
    type: 'webhook',
    url: `${fx.receiver.url}/hook`,
    secret: SECRET,
  });
  assert.equal(hook.secret, SECRET);
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'soc slack', type: 'slack', url: `${fx.receiver.url}/slack` });
  const channels = await fx.admin.ok<Array<{ type: string; url: string; secret?: string }>>('GET', '/api/v1/alert-channels');
  assert.equal(channels.length, 2);
  assert.ok(
    channels.every((c) => c.secret === undefined),
    'secrets are never listed',
  );

  fleet = await ingestFleet(fx.hub, { withHelper: true });
  const result = await fx.admin.evaluate();
  assert.equal(result.created.length, 1, JSON.stringify(result));

  const open = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  assert.equal(open.length, 1, JSON.stringify(open.map((a) => a.subject)));
  const [alert] = open;
  assert.equal(alert.subject, HELPER);
  assert.equal(alert.kind, 'parent');
  assert.equal(alert.hosts, 1);
  assert.equal(alert.hostsReporting, 3);
  assert.deepEqual(alert.sampleHosts, ['web-01']);
  assert.equal(alert.ratePerSecond, Math.round((2302 / 1200) * 1000) / 1000);
  assert.equal(new Date(alert.firstSeenAt).getTime(), NOW_WINDOW_START);
  assert.equal(new Date(alert.lastSeenAt).getTime(), NOW_WINDOW_START + WINDOW_MS);
  assert.deepEqual(
    {
      type: alert.suggestedExclusion.type,
      value: alert.suggestedExclusion.value,
      applyToChildren: alert.suggestedExclusion.applyToChildren,
      allowed: alert.suggestedExclusion.allowed,
    },
    { type: 'process', value: HELPER, applyToChildren: true, allowed: true },
  );
  assert.equal(alert.links.dashboard, `https://fleettune.example/#/alerts/${alert.id}`);
  assert.doesNotMatch(JSON.stringify(open), /alice|bob|carol/);

  // Each channel: two 503s, then one 200, then nothing more.
  await waitFor('both deliveries', () => fx.receiver.received.filter((r) => r.status === 200).length === 2);
  await new Promise((r) => setTimeout(r, 1000));
  for (const path of ['/hook', '/slack']) {
    const got = fx.receiver.received.filter((r) => r.path === path);
    assert.deepEqual(
      got.map((r) => r.status),
      [503, 503, 200],
      path,
    );
    assert.equal(new Set(got.map((r) => r.headers['x-fleettune-delivery'])).size, 1, 'retries of the same delivery');
  }
  const delivered = fx.receiver.received.find((r) => r.path === '/hook' && r.status === 200)!;
  // Signed over "<timestamp>.<body>", so a captured request cannot be replayed later (docs/security.md).
  const ts = String(delivered.headers['x-fleettune-timestamp']);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 120, ts);
  const expected = 'sha256=' + createHmac('sha256', SECRET).update(`${ts}.${delivered.body}`).digest('hex');
  assert.equal(delivered.headers['x-fleettune-signature'], expected);
  assert.equal(fx.receiver.received.find((r) => r.path === '/slack')!.headers['x-fleettune-signature'], undefined, 'Slack URLs carry their own secret');
  const payload = JSON.parse(delivered.body) as { event: string; alert: AlertView };
  assert.equal(payload.event, 'alert.created');
  assert.equal(payload.alert.id, alert.id);
  assert.equal(payload.alert.subject, HELPER);
  const slack = JSON.parse(fx.receiver.received.find((r) => r.path === '/slack' && r.status === 200)!.body) as { text: string };
  assert.match(slack.text, /New noisy helper program.*acme-helper/);
  assert.match(slack.text, /web-01/);
  assert.match(slack.text, new RegExp(`https://fleettune.example/#/alerts/${alert.id}`));

  // The delivery log.
  const detail = await fx.admin.ok<AlertView & { deliveries: DeliveryView[] }>('GET', `/api/v1/alerts/${alert.id}`);
  assert.equal(detail.deliveries.length, 2);
  for (const d of detail.deliveries) {
    assert.equal(d.status, 'delivered');
    assert.equal(d.attempts, 3);
    assert.deepEqual(
      d.log.map((l) => l.statusCode),
      [503, 503, 200],
    );
  }

  // Evaluating again changes nothing: one open alert per subject, no second delivery.
  const again = await fx.admin.evaluate();
  assert.deepEqual(again.created, []);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(fx.receiver.received.length, 6);
  assert.equal((await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts')).length, 1);
});

test('the open alert is updated as more hosts join, and the update is delivered', async () => {
  const [alert] = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  await fleet.window(NOW_WINDOW_START + WINDOW_MS, ['web-01', 'web-02']);
  const r = await fx.admin.evaluate();
  assert.deepEqual(r.created, []);
  assert.deepEqual(r.updated, [alert.id]);
  const [updated] = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  assert.equal(updated.id, alert.id);
  assert.equal(updated.hosts, 2);
  assert.deepEqual(updated.sampleHosts, ['web-01', 'web-02']);
  assert.equal(new Date(updated.firstSeenAt).getTime(), NOW_WINDOW_START);
  assert.equal(new Date(updated.lastSeenAt).getTime(), NOW_WINDOW_START + 2 * WINDOW_MS);
  await waitFor('update deliveries', () => fx.receiver.received.filter((x) => x.status === 200).length === 4);
  const hook = fx.receiver.received.filter((x) => x.path === '/hook' && x.status === 200).map((x) => JSON.parse(x.body) as { event: string; alert: AlertView });
  assert.deepEqual(
    hook.map((h) => [h.event, h.alert.hosts]),
    [
      ['alert.created', 1],
      ['alert.updated', 2],
    ],
  );
});

test('acknowledge, mute and resolve record who and when; a muted alert updates silently; a resolved subject cools down', async () => {
  const [alert] = await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open');
  const viewer = new Api(fx.base, VIEWER);
  assert.equal((await viewer.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`)).status, 403);

  const acked = await fx.admin.ok<AlertView>('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { note: 'looking' });
  assert.equal(acked.status, 'acknowledged');
  assert.equal(acked.acknowledgedBy, 'bootstrap-admin');
  assert.ok(acked.acknowledgedAt);
  assert.deepEqual(
    (await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=acknowledged')).map((a) => a.id),
    [alert.id],
  );
  assert.deepEqual(await fx.admin.ok<AlertView[]>('GET', '/api/v1/alerts?status=open'), []);
  assert.equal((await fx.admin.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`)).status, 200, 'repeating is a no-op');

  const muted = await fx.admin.ok<AlertView>('POST', `/api/v1/alerts/${alert.id}/mute`);
  assert.equal(muted.status, 'muted');
  assert.equal(muted.mutedBy, 'bootstrap-admin');
  // Muted: a third host joining updates the alert silently.
  const before = fx.receiver.received.length;
  await fleet.window(NOW_WINDOW_START + 2 * WINDOW_MS, ['web-01', 'web-02', 'web-03']);
  assert.deepEqual((await fx.admin.evaluate()).updated, [alert.id]);
  assert.equal((await fx.admin.ok<AlertView>('GET', `/api/v1/alerts/${alert.id}`)).hosts, 3);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(fx.receiver.received.length, before);

  const resolved = await fx.admin.ok<AlertView>('POST', `/api/v1/alerts/${alert.id}/resolve`);
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.resolvedBy, 'bootstrap-admin');
  assert.equal((await fx.admin.call('POST', `/api/v1/alerts/${alert.id}/mute`)).status, 409);

  // Still noisy, but within the cooldown after resolve: no new alert, no delivery.
  const sent = fx.receiver.received.length;
  const r = await fx.admin.evaluate();
  assert.deepEqual(r.created, []);
  assert.ok(
    r.suppressed.some((s) => s.subject === HELPER && /cooldown/.test(s.why)),
    JSON.stringify(r),
  );
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(fx.receiver.received.length, sent);
  assert.equal((await fx.admin.call('GET', '/api/v1/alerts?status=bogus')).status, 400);
  assert.equal((await fx.admin.call('GET', '/api/v1/alerts/not-an-id')).status, 404);
});
