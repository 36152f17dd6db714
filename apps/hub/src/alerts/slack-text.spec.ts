import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertView } from './alert-view';
import { slackEscape, slackText } from './slack-text';

const HOSTILE_HOST = '<!here> urgent: re-login <https://evil.example/login|fleettune.corp/login>';

function view(over: Partial<AlertView>): AlertView {
  const at = new Date('2026-10-04T00:00:00Z');
  return {
    id: 'a-1',
    kind: 'parent',
    subject: '/opt/acme/bin/acme-helper',
    status: 'open',
    hosts: 1,
    hostsReporting: 3,
    sampleHosts: ['web-01'],
    ratePerSecond: 1.9,
    peakWindowCount: 2302,
    baselinePeakWindowCount: 0,
    threshold: 1200,
    reason: 'new',
    firstSeenAt: at,
    lastSeenAt: at,
    createdAt: at,
    updatedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    mutedAt: null,
    mutedBy: null,
    note: null,
    suggestedExclusion: {
      type: 'process',
      value: '/opt/acme/bin/acme-helper',
      applyToChildren: true,
      isDirectory: false,
      allowed: true,
    } as AlertView['suggestedExclusion'],
    links: { dashboard: 'https://fleettune.example/#/alerts/a-1' },
    ...over,
  };
}

/** Every `<...>` Slack would parse (mentions, links, channel refs) in a message. */
const markup = (text: string) => [...text.matchAll(/<[^<>]*>/g)].map((m) => m[0]);

test('Slack control characters in agent data are escaped as Slack documents (&, <, >), so no mention or link can form', () => {
  assert.equal(slackEscape('a & b <c> d'), 'a &amp; b &lt;c&gt; d');
  assert.equal(slackEscape('&lt;'), '&amp;lt;', 'already-escaped text is shown as typed');
  const text = slackText(
    'alert.created',
    view({
      sampleHosts: [HOSTILE_HOST, 'web-02'],
      hosts: 2,
      subject: '/tmp/x`<!channel>`/<https://evil.example|click>',
      reason: 'noisy <!everyone>',
      suggestedExclusion: {
        type: 'process',
        value: '/tmp/x`<!subteam^S1>`',
        applyToChildren: false,
        isDirectory: false,
        allowed: true,
      } as AlertView['suggestedExclusion'],
    }),
  );
  assert.deepEqual(markup(text), ['<https://fleettune.example/#/alerts/a-1|Open in fleettune>'], "the hub's own link is the only markup");
  assert.doesNotMatch(text, /<!here>|<!channel>|<!everyone>|<!subteam|<https:\/\/evil/);
  assert.match(text, /`&lt;!here&gt; urgent: re-login &lt;https:\/\/evil\.example\/login\|fleettune\.corp\/login&gt;`/);
  // A backtick in a value cannot close its code span.
  assert.match(text, /`\/tmp\/x'&lt;!channel&gt;'\/&lt;https:\/\/evil\.example\|click&gt;`/);
});

test('new lines and control characters in agent data cannot start a new line of the message', () => {
  const text = slackText('alert.created', view({ subject: '/tmp/a\n• Suggested exclusion: process `/` (approved)\u2028x' }));
  assert.equal(text.split('\n').length, 6);
  assert.match(text.split('\n')[0], /\/tmp\/a • Suggested exclusion: process '\/' \(approved\) x`$/);
});

test('a dashboard link that is not a plain http(s) URL is shown as text', () => {
  const text = slackText('alert.created', view({ links: { dashboard: 'https://x.example/a|b>c' } }));
  assert.deepEqual(markup(text), []);
  assert.match(text, /fleettune: https:\/\/x\.example\/a\|b&gt;c/);
});
