import { AuditLogReader } from '@fleettune/audit';
import type { EventSource } from './event-source';

/** Linux auditd logs (raw or ENRICHED), e.g. /var/log/audit/audit.log. */
export const linuxAuditSource: EventSource = {
  name: 'linux-audit',
  description: 'Linux auditd log (raw or ENRICHED format)',
  async read(chunks, onEvent, options = {}) {
    const reader = new AuditLogReader(onEvent, { onSkip: options.onSkip });
    for await (const chunk of chunks) {
      reader.push(chunk);
      options.onBytes?.(chunk.length);
    }
    const s = reader.end();
    return {
      events: s.events,
      skipped: s.skipped,
      skippedReasons: { ...s.skippedReasons } as Record<string, number>,
      firstTimestampMs: s.firstTimestampMs,
      lastTimestampMs: s.lastTimestampMs,
    };
  },
};
