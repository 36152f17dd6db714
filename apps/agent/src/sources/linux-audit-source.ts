import { AuditLogReader } from '@fleettune/audit';
import type { EventSource } from './event-source';
import { readThroughParser } from './line-parser-source';

/** Linux auditd logs (raw or ENRICHED), e.g. /var/log/audit/audit.log. */
export const linuxAuditSource: EventSource = {
  name: 'linux-audit',
  description: 'Linux auditd log (raw or ENRICHED format)',
  read(chunks, onEvent, options = {}) {
    return readThroughParser(new AuditLogReader(onEvent, { onSkip: options.onSkip }), chunks, options.onBytes);
  },
};
