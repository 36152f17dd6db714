import { EsloggerEventParser } from '@fleettune/eslogger';
import type { EventSource } from './event-source';
import { lineParserSource } from './line-parser-source';
import { SpawnedTool } from './spawned-tool';

/** macOS `eslogger exec fork exit create rename close unlink` JSON lines (file or stdin). */
export const esloggerSource: EventSource = lineParserSource(
  'eslogger',
  'macOS eslogger JSON lines (exec, fork, exit, create, rename, close, unlink)',
  (onEvent, onSkip) => new EsloggerEventParser(onEvent, { onSkip }),
);

/** The eslogger events the agent subscribes to live. */
export const ESLOGGER_EVENTS = ['exec', 'fork', 'exit', 'create', 'rename', 'close', 'unlink'] as const;

/**
 * Live eslogger (macOS 13+, root and Full Disk Access for the agent): spawns
 * `/usr/bin/eslogger exec fork exit create rename close unlink` when present
 * and yields its JSON lines, for `run`. Read the chunks with `esloggerSource.read`.
 * A SpawnedTool (label, start, stop) with eslogger's arguments.
 */
export class EsloggerProcessSource extends SpawnedTool {
  constructor(options: { binary?: string; envPath?: string } = {}) {
    super({
      binary: options.binary ?? 'eslogger',
      args: [...ESLOGGER_EVENTS],
      envPath: options.envPath ?? `${process.env.PATH ?? ''}:/usr/bin`,
      missingHint: 'eslogger ships with macOS 13 and later (/usr/bin/eslogger); elsewhere record it on a Mac and pass --input FILE',
    });
  }
}
