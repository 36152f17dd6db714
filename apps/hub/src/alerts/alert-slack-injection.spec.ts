import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { useAlertsHub } from '../testing/alerts-hub';
import { ingestFleet, waitFor } from './test-fleet.fixture';

/**
 * The review's reproduction: a host named like a Slack mention and a
 * disguised link got `@here` and a clickable fake login link into the alert
 * channel. Through a real hub and a Slack-compatible receiver on loopback, the
 * text now shows the name literally.
 */
const HOSTILE = '<!here> <!channel> re-login: <https://evil.example/login|fleettune.corp/login>';

const fx = useAlertsHub('alert_slack_injection', { FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0', FLEETTUNE_ALERTS_LEARNING_SECONDS: '0' });

test('a hostile host name reaches Slack escaped: no @here/@channel, no disguised link', async () => {
  await fx.admin.ok('POST', '/api/v1/alert-channels', { name: 'soc slack', type: 'slack', url: `${fx.receiver.url}/services/T000/B000/XXXX` });
  const fleet = await ingestFleet(fx.hub, { withHelper: true });
  // The host that runs the new helper carries the hostile name (enrollment only refuses control characters).
  await fx.hub.app.get(PrismaService).host.update({ where: { id: fleet.hosts['web-01'] }, data: { hostname: HOSTILE } });
  const r = await fx.admin.evaluate();
  assert.equal(r.created.length, 1, JSON.stringify(r));
  await waitFor('the Slack message', () => fx.receiver.received.some((x) => x.status === 200));
  const { text } = JSON.parse(fx.receiver.received[0].body) as { text: string };
  assert.doesNotMatch(text, /<!here>|<!channel>|<https:\/\/evil/);
  assert.ok(text.includes('`&lt;!here&gt; &lt;!channel&gt; re-login: &lt;https://evil.example/login|fleettune.corp/login&gt;`'), text);
  // The only Slack markup left is the hub's own.
  assert.deepEqual(
    [...text.matchAll(/<[^<>]*>/g)].map((m) => m[0]),
    [],
    'no FLEETTUNE_PUBLIC_URL: no link at all',
  );
});
