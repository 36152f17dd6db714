import type { EventSource } from './event-source';
import { linuxAuditSource } from './linux-audit-source';

/**
 * Every source by name, loaded on first use: `report` reads one source, and
 * loading the others (the mdatp, Cisco and tracer parsers and what they
 * import) cost ~0.1 s of CPU at the start of every run a user times.
 */
const SOURCES: ReadonlyArray<{ name: string; load: () => EventSource | Promise<EventSource> }> = [
  { name: 'linux-audit', load: () => linuxAuditSource },
  { name: 'mdatp-rtp', load: async () => (await import('./mdatp-sources.js')).mdatpRtpSource },
  { name: 'mdatp-hot-sources', load: async () => (await import('./mdatp-sources.js')).mdatpHotSourcesSource },
  { name: 'mdatp-ebpf', load: async () => (await import('./mdatp-sources.js')).mdatpEbpfSource },
  { name: 'cisco-support', load: async () => (await import('./cisco-support-source.js')).ciscoSupportSource },
  { name: 'fanotify', load: async () => (await import('./fanotify-source.js')).fanotifySource },
  { name: 'eslogger', load: async () => (await import('./eslogger-source.js')).esloggerSource },
  { name: 'dtrace-newproc', load: async () => (await import('./tracer-sources.js')).dtraceNewprocSource },
  { name: 'dtrace-iosnoop', load: async () => (await import('./tracer-sources.js')).dtraceIosnoopSource },
  { name: 'bcc-execsnoop', load: async () => (await import('./tracer-sources.js')).bccExecsnoopSource },
  { name: 'bcc-opensnoop', load: async () => (await import('./tracer-sources.js')).bccOpensnoopSource },
];

export const SUPPORTED_SOURCE_NAMES: readonly string[] = SOURCES.map((s) => s.name);

/** The source called `name` (loaded now), or undefined. */
export async function findEventSource(name: string): Promise<EventSource | undefined> {
  const entry = SOURCES.find((s) => s.name === name);
  return entry ? await entry.load() : undefined;
}
