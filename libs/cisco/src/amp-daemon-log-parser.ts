import type { FileOp } from '@fleettune/counting';
import { SkipListenerOptions, SkipSummary, TextReportParser } from '@fleettune/line-input';
import { CiscoSkipReason, CONTROL_BYTES } from './cisco-skip-reason';
import { parseLineTimestamp, YearInferenceOptions } from './syslog-time';

/** One `Daemon Rx: VNODE:<OP> X:<n> P:<pid> PP:<ppid> U:<uid> [<path>]` line of ampdaemon.log. */
export interface AmpDaemonRx {
  timestampMs: number;
  /** VNODE operation as logged (EXECUTE, CREATE, RENAME, WRITE, …). */
  vnodeOp: string;
  /** 'exec' for EXECUTE; otherwise the file operation. */
  kind: 'exec' | FileOp;
  /** The X: field; its meaning is not documented (kept as logged). */
  x?: number;
  pid: number;
  ppid: number;
  uid: number;
  path: string;
  /** The parent's path where the line carries it (`[<path>] [<parent path>]`). */
  parentPath?: string;
  line: number;
}

export interface AmpDaemonLogStats extends SkipSummary<CiscoSkipReason> {
  lines: number;
  rx: number;
  firstTimestampMs?: number;
  lastTimestampMs?: number;
}

export interface AmpDaemonLogParserOptions extends YearInferenceOptions, SkipListenerOptions<CiscoSkipReason> {}

/** VNODE op -> normalized operation. */
export function vnodeOpKind(op: string): 'exec' | FileOp {
  const o = op.toUpperCase();
  if (o === 'EXECUTE' || o === 'EXEC' || o === 'EXECVE') return 'exec';
  if (o === 'CREATE' || o === 'MKDIR' || o === 'LINK' || o === 'SYMLINK') return 'create';
  if (o === 'RENAME' || o === 'MOVE') return 'rename';
  if (o === 'DELETE' || o === 'UNLINK' || o === 'REMOVE' || o === 'RMDIR') return 'delete';
  if (o === 'WRITE' || o === 'MODIFY' || o === 'CLOSE_MODIFIED' || o === 'CLOSE' || o === 'TRUNCATE' || o === 'SETATTR') return 'modify';
  if (o === 'OPEN' || o === 'READ') return 'open';
  return 'other';
}

const RX = /Daemon Rx:\s*VNODE:([A-Za-z_]+)((?:\s+[A-Za-z]+:-?\d+)*)\s*\[(.*)\]\s*$/;
const FIELD = /([A-Za-z]+):(-?\d+)/g;

/**
 * Reads the `Daemon Rx:` lines of Cisco Secure Endpoint's ampdaemon.log
 * (debug log level). Timestamps without a year get one from the reference
 * date (see inferSyslogTime). Other log lines are counted as `not-daemon-rx`.
 */
export class AmpDaemonLogParser extends TextReportParser<CiscoSkipReason, AmpDaemonLogStats> {
  private readonly s = { rx: 0, first: undefined as number | undefined, last: undefined as number | undefined };

  constructor(
    private readonly onRx: (rx: AmpDaemonRx) => void,
    private readonly options: AmpDaemonLogParserOptions = {},
  ) {
    super(options.onSkip);
  }

  protected finish(): AmpDaemonLogStats {
    return {
      lines: this.lineCount,
      rx: this.s.rx,
      ...this.tally.summary(),
      firstTimestampMs: this.s.first,
      lastTimestampMs: this.s.last,
    };
  }

  /** Parses one line (without newline); undefined and counted as skipped when it is no Daemon Rx line. */
  parseLine(text: string, n: number): AmpDaemonRx | undefined {
    const at = text.indexOf('Daemon Rx:');
    if (at < 0) {
      this.tally.add('not-daemon-rx');
      return undefined;
    }
    if (CONTROL_BYTES.test(text)) {
      this.tally.add('control-bytes', `line ${n}: control bytes, skipped`);
      return undefined;
    }
    const m = RX.exec(text.slice(at));
    if (!m) {
      this.tally.add('bad-daemon-rx', `line ${n}: Daemon Rx line without VNODE/fields/[path]`);
      return undefined;
    }
    const f: Record<string, number> = {};
    for (const g of m[2].matchAll(FIELD)) f[g[1].toUpperCase()] = Number(g[2]);
    const { P: pid, PP: ppid, U: uid } = f;
    if (![pid, ppid, uid].every((v) => Number.isSafeInteger(v)) || pid < 0 || ppid < 0) {
      this.tally.add('bad-daemon-rx', `line ${n}: Daemon Rx line without P:/PP:/U:`);
      return undefined;
    }
    let path = m[3];
    let parentPath: string | undefined;
    const split = path.indexOf('] [');
    if (split >= 0 && path[split + 3] === '/') {
      parentPath = path.slice(split + 3);
      path = path.slice(0, split);
    }
    if (path === '') {
      this.tally.add('bad-daemon-rx', `line ${n}: empty [path]`);
      return undefined;
    }
    const ts = parseLineTimestamp(text, this.options);
    if (ts === undefined) {
      this.tally.add('bad-timestamp', `line ${n}: unreadable timestamp`);
      return undefined;
    }
    return {
      timestampMs: ts,
      vnodeOp: m[1].toUpperCase(),
      kind: vnodeOpKind(m[1]),
      ...(f.X !== undefined ? { x: f.X } : {}),
      pid,
      ppid,
      uid,
      path,
      ...(parentPath ? { parentPath } : {}),
      line: n,
    };
  }

  protected line(text: string, n: number): void {
    const rx = this.parseLine(text, n);
    if (!rx) return;
    this.s.rx++;
    if (this.s.first === undefined || rx.timestampMs < this.s.first) this.s.first = rx.timestampMs;
    if (this.s.last === undefined || rx.timestampMs > this.s.last) this.s.last = rx.timestampMs;
    this.onRx(rx);
  }
}
