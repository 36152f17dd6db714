import type { EventSource } from './event-source';
import { linuxAuditSource } from './linux-audit-source';

const SOURCES: readonly EventSource[] = [linuxAuditSource];

export const SUPPORTED_SOURCE_NAMES: readonly string[] = SOURCES.map((s) => s.name);

/** The source called `name`, or undefined. */
export function findEventSource(name: string): EventSource | undefined {
  return SOURCES.find((s) => s.name === name);
}
