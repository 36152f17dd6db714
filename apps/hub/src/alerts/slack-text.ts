import type { AlertView } from './alert-view';

export type AlertEvent = 'alert.created' | 'alert.updated';

/**
 * Agent-supplied text (subjects, host names, reasons) as Slack shows it
 * literally. Slack parses `&`, `<` and `>` as control characters in message
 * text (`<!here>`, `<https://x|label>`), and documents that they must be
 * replaced by `&amp;`, `&lt;`, `&gt;` when they are not meant as markup:
 * https://api.slack.com/reference/surfaces/formatting#escaping
 * Backticks are replaced too, so a value shown as `code` cannot close its code
 * span, and control characters (new lines included) become spaces so a value
 * stays on its line.
 */
export function slackEscape(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'");
}

const WHAT: Record<string, string> = {
  parent: 'New noisy helper program',
  exec: 'Newly noisy program',
  path: 'Newly noisy file',
  directory: 'Newly noisy directory',
};

/** The Slack-compatible message: one readable `text` (mrkdwn) where only the hub's own markup is markup. */
export function slackText(event: AlertEvent, a: AlertView): string {
  const code = (v: string) => `\`${slackEscape(v)}\``;
  const sx = a.suggestedExclusion;
  const suggestion = sx
    ? sx.allowed
      ? `${slackEscape(sx.type)} exclusion ${code(sx.value)}${sx.applyToChildren ? ' (apply to child processes)' : ''}${sx.isDirectory ? ' (directory)' : ''}`
      : `none (${slackEscape(sx.why ?? 'refused by the safety policy')})`
    : 'none';
  const sample = a.sampleHosts.map(code).join(', ');
  const hosts = `${a.hosts} of ${a.hostsReporting} host${a.hostsReporting === 1 ? '' : 's'}${a.sampleHosts.length ? ` (${sample}${a.hosts > a.sampleHosts.length ? ', …' : ''})` : ''}`;
  // The dashboard link is the hub's own (FLEETTUNE_PUBLIC_URL + alert id); a `|` or `>` in it would still break the link markup.
  const link = /^https?:\/\/[^\s<>|]+$/.test(a.links.dashboard) ? `<${a.links.dashboard}|Open in fleettune>` : `fleettune: ${slackEscape(a.links.dashboard)}`;
  return [
    `:rotating_light: *${WHAT[a.kind] ?? 'Newly noisy subject'}*${event === 'alert.updated' ? ' (more hosts)' : ''}: ${code(a.subject)}`,
    `• ${slackEscape(a.reason)}`,
    `• Rate: ${a.ratePerSecond}/s on ${hosts}`,
    `• First seen: ${a.firstSeenAt.toISOString()}, last seen: ${a.lastSeenAt.toISOString()}`,
    `• Suggested exclusion: ${suggestion}`,
    `• ${link}`,
  ].join('\n');
}
