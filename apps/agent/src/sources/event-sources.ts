import type { EventSource } from './event-source';
import { linuxAuditSource } from './linux-audit-source';
import { mdatpEbpfSource, mdatpHotSourcesSource, mdatpRtpSource } from './mdatp-sources';
import { ciscoSupportSource } from './cisco-support-source';
import { esloggerSource } from './eslogger-source';
import { fanotifySource } from './fanotify-source';
import { bccExecsnoopSource, bccOpensnoopSource, dtraceIosnoopSource, dtraceNewprocSource } from './tracer-sources';

const SOURCES: readonly EventSource[] = [
  linuxAuditSource,
  mdatpRtpSource,
  mdatpHotSourcesSource,
  mdatpEbpfSource,
  ciscoSupportSource,
  fanotifySource,
  esloggerSource,
  dtraceNewprocSource,
  dtraceIosnoopSource,
  bccExecsnoopSource,
  bccOpensnoopSource,
];

export const SUPPORTED_SOURCE_NAMES: readonly string[] = SOURCES.map((s) => s.name);

/** The source called `name`, or undefined. */
export function findEventSource(name: string): EventSource | undefined {
  return SOURCES.find((s) => s.name === name);
}
