import * as fs from 'node:fs';
import { AmpDaemonLogReader, parseDsclUsers } from '@fleettune/cisco';
import { EsloggerEventParser } from '@fleettune/eslogger';
import { FatraceParser } from '@fleettune/fanotify';
import { ExecsnoopParser, IosnoopParser, NewprocParser, OpensnoopParser } from '@fleettune/tracers';
import { DSCL_USERS_ENV } from '../sources/cisco-support-source';
import type { LiveLineParserFactory } from './live-line-counter';

/** uid -> name from the `dscl . list /Users UniqueID` output named by FLEETTUNE_DSCL_USERS, if any. */
function dsclUsers(log: (m: string) => void): ReadonlyMap<number, string> | undefined {
  const file = process.env[DSCL_USERS_ENV];
  if (!file) return undefined;
  try {
    return parseDsclUsers(fs.readFileSync(file, 'utf8')).byUid;
  } catch (err) {
    log(`cannot read ${DSCL_USERS_ENV}=${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; uids kept as numbers`);
    return undefined;
  }
}

/**
 * The parser each followable line source uses live: the same parsers as
 * `report`, so a followed file counts exactly as `report` counts it. Time
 * stamps without a date (fatrace -t, year-less syslog) belong to today here.
 * cisco-support follows ampdaemon.log (`Daemon Rx:` lines); the scan-count
 * lists have no time and are for `report`.
 */
export function liveLineParserFactory(source: string, log: (m: string) => void = () => undefined): LiveLineParserFactory | undefined {
  switch (source) {
    case 'fanotify':
      return (onEvent, onSkip) => new FatraceParser(onEvent, { onSkip });
    case 'eslogger':
      return (onEvent, onSkip) => new EsloggerEventParser(onEvent, { onSkip });
    case 'cisco-support': {
      const users = dsclUsers(log);
      return (onEvent, onSkip) => new AmpDaemonLogReader(onEvent, { onSkip, users });
    }
    case 'dtrace-newproc':
      return (onEvent, onSkip) => new NewprocParser(onEvent, { onSkip });
    case 'dtrace-iosnoop':
      return (onEvent, onSkip) => new IosnoopParser(onEvent, { onSkip });
    case 'bcc-execsnoop':
      return (onEvent, onSkip) => new ExecsnoopParser(onEvent, { onSkip });
    case 'bcc-opensnoop':
      return (onEvent, onSkip) => new OpensnoopParser(onEvent, { onSkip });
    default:
      return undefined;
  }
}

export const LIVE_LINE_SOURCES = ['fanotify', 'eslogger', 'cisco-support', 'dtrace-newproc', 'dtrace-iosnoop', 'bcc-execsnoop', 'bcc-opensnoop'] as const;
