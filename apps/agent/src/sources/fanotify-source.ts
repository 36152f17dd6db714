import { execFileSync } from 'node:child_process';
import { FatraceParser } from '@fleettune/fanotify';
import type { EventSource } from './event-source';
import { lineParserSource } from './line-parser-source';
import { findExecutable, SpawnedTool } from './spawned-tool';

/**
 * fanotify activity as recorded by `fatrace`: text (`[time ]comm(pid)[ [uid:gid]]: TYPES path…`,
 * any of -t/-tt/-u/-e/-P) or `-j` JSON lines, detected per line. Directory events
 * (+ D < >) count on the directory. See FatraceParser for the op mapping.
 */
export const fanotifySource: EventSource = lineParserSource(
  'fanotify',
  'fatrace output, text or -j JSON (fanotify file events; directory events on the directory)',
  (onEvent, onSkip, baseDateMs) => new FatraceParser(onEvent, { onSkip, baseDateMs, recordedUntilMs: baseDateMs }),
);

export interface FatraceProcessOptions {
  /** fatrace binary (name on PATH or a path); default `fatrace`. */
  binary?: string;
  envPath?: string;
  /** Pids whose events are ignored (fatrace -p); the agent's own pid is always added, so its spool writes are not counted. */
  ignorePids?: number[];
}

/**
 * Live fanotify: spawns `fatrace` (root needed) when the binary exists and
 * yields its output, for `run`. With fatrace >= 0.19 it asks for `-j -tt -e`
 * (JSON, epoch times, executable paths as initiators); older ones get `-tt`
 * text (no initiator path). Read the chunks with `fanotifySource.read`.
 * A SpawnedTool (label, start, stop: InputError when fatrace is not installed) with those arguments.
 */
export class FatraceProcessSource extends SpawnedTool {
  constructor(options: FatraceProcessOptions = {}) {
    const binary = options.binary ?? 'fatrace';
    const args = [...FatraceProcessSource.argsFor(FatraceProcessSource.capabilities(binary, options.envPath))];
    for (const pid of new Set([process.pid, ...(options.ignorePids ?? [])])) args.push('-p', String(pid));
    super({
      binary,
      args,
      envPath: options.envPath,
      missingHint: 'install it (Debian/Ubuntu: apt-get install fatrace; -j/-e need fatrace >= 0.19) or record with fatrace and pass --input FILE',
    });
  }

  /** Which of -j / -e the installed fatrace supports (from its --help); none when it cannot be run. */
  static capabilities(binary = 'fatrace', envPath?: string): { json: boolean; exe: boolean } {
    const bin = findExecutable(binary, envPath);
    if (!bin) return { json: false, exe: false };
    let help = '';
    try {
      help = execFileSync(bin, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    } catch (err) {
      help = String((err as { stdout?: unknown }).stdout ?? '');
    }
    return { json: help.includes('--json'), exe: help.includes('--exe') };
  }

  static argsFor(caps: { json: boolean; exe: boolean }): string[] {
    return [...(caps.json ? ['-j'] : []), '-tt', ...(caps.exe ? ['-e'] : [])];
  }
}
