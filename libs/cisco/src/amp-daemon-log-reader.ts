import type { ObservedEvent } from '@fleettune/counting';
import { AmpDaemonLogParser, AmpDaemonLogParserOptions, AmpDaemonLogStats, AmpDaemonRx } from './amp-daemon-log-parser';
import { ProcessNode, ProcessTreeOptions, ProcessTreeRebuilder } from './process-tree-rebuilder';

export interface AmpDaemonLogReaderOptions extends AmpDaemonLogParserOptions, ProcessTreeOptions {
  /** uid -> user name (from `dscl . list /Users UniqueID`); unmapped uids are kept as numbers. */
  users?: ReadonlyMap<number, string>;
  /** Called for each exec with its rebuilt ancestry (the exec'd process first). */
  onExecChain?: (rx: AmpDaemonRx, chain: ProcessNode[]) => void;
}

/**
 * ampdaemon.log -> ObservedEvents: each `Daemon Rx: VNODE:EXECUTE` is an exec
 * (parent path from the line when it carries one, else from the parent pid's
 * own exec), every other VNODE op a file operation by the process path of
 * `P:` where known. U: becomes the user name when `users` maps it.
 */
export class AmpDaemonLogReader {
  readonly tree: ProcessTreeRebuilder;
  private readonly parser: AmpDaemonLogParser;

  constructor(
    private readonly onEvent: (e: ObservedEvent) => void,
    private readonly options: AmpDaemonLogReaderOptions = {},
  ) {
    this.tree = new ProcessTreeRebuilder(options);
    this.parser = new AmpDaemonLogParser((rx) => this.rx(rx), options);
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  end(): AmpDaemonLogStats {
    return this.parser.end();
  }

  userOf(uid: number): string {
    return this.options.users?.get(uid) ?? String(uid);
  }

  private rx(rx: AmpDaemonRx): void {
    if (rx.kind === 'exec') {
      const parentPath = rx.parentPath ?? this.tree.pathOf(rx.ppid) ?? '';
      this.tree.recordExec(rx.pid, rx.ppid, rx.path, rx.uid);
      this.options.onExecChain?.(rx, this.tree.chain(rx.pid));
      this.onEvent({
        timestampMs: rx.timestampMs,
        exec: { path: rx.path, parentPath, user: this.userOf(rx.uid), pid: rx.pid, ppid: rx.ppid },
        files: [],
        keys: [],
      });
      return;
    }
    this.onEvent({
      timestampMs: rx.timestampMs,
      files: [{ path: rx.path, op: rx.kind, processPath: this.tree.pathOf(rx.pid) ?? '' }],
      keys: [],
    });
  }
}
