import type { ObservedEvent, ObservedExec, ObservedFile } from '@fleettune/counting';
import { LineEventReader, LineEventReaderOptions } from '@fleettune/line-input';

/** Why an eslogger line was not counted. Counted, never thrown. */
export type EsloggerSkipReason =
  | 'line-too-long' // longer than maxLineBytes (default 4 MiB: exec args+env are capped at 1 MiB by ARG_MAX)
  | 'invalid-utf8' // eslogger writes UTF-8 JSON; other bytes are noise or corruption
  | 'control-bytes' // raw control bytes never appear in JSON text
  | 'bad-json' // not JSON, e.g. a line cut midway
  | 'bad-record' // JSON but not an eslogger message (no `event` object, or the event lacks its paths)
  | 'unsupported-event' // an event type the agent does not count (e.g. `write`, `mmap`)
  | 'internal-error';

export interface EsloggerParserOptions extends LineEventReaderOptions {
  /** Time of messages whose `time` is missing or invalid; default Date.now. */
  now?: () => number;
}

/** The audit_token fields used; eslogger writes them as an object or as an 8-int array. */
export interface AuditToken {
  auid: number;
  euid: number;
  egid: number;
  ruid: number;
  rgid: number;
  pid: number;
  asid: number;
  pidversion: number;
}

const TOKEN_ARRAY_ORDER = ['auid', 'euid', 'egid', 'ruid', 'rgid', 'pid', 'asid', 'pidversion'] as const;

/**
 * Reads `audit_token` in both shapes: the object of message versions 9 and 11
 * (`{pid, euid, ...}`) and the 8-int array of version 10 (macOS 26):
 * `[auid, euid, egid, ruid, rgid, pid, asid, pidversion]`.
 */
export function readAuditToken(v: unknown): AuditToken | undefined {
  if (Array.isArray(v)) {
    if (v.length !== 8 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined;
    const t = {} as AuditToken;
    TOKEN_ARRAY_ORDER.forEach((k, i) => (t[k] = v[i] as number));
    return t;
  }
  if (isObject(v)) {
    const t = {} as AuditToken;
    for (const k of TOKEN_ARRAY_ORDER) {
      const x = v[k];
      if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
      t[k] = x;
    }
    return t;
  }
  return undefined;
}

/**
 * eslogger JSON lines (`eslogger exec fork exit create rename close unlink`,
 * macOS 13+) to ObservedEvents, one per message:
 *
 * | event  | counts                                                                 |
 * |--------|------------------------------------------------------------------------|
 * | exec   | exec: path = `event.exec.target.executable.path` (the new image); parentPath = the top-level `process` (the **caller**, the image that called exec); user = target euid as text; pid/ppid of the target. A `#!` script run directly (`event.exec.script` names a file): path = the script, format `script` (the image is its interpreter; Cisco names the script, and a script is never a process exclusion: issue 19 item 4) |
 * | create | create on `destination.existing_file.path` (destination_type 0) or `destination.new_path.dir.path + '/' + filename` (1) |
 * | rename | rename on the destination (either shape), as linux-audit counts a rename on its new name |
 * | close  | modify on `target.path` when `modified` is true; an event without files otherwise |
 * | unlink | delete on `target.path` |
 * | open   | open on `file.path` |
 * | fork, exit | an event without exec or files |
 *
 * The initiator of file operations is `process.executable.path`. Other event
 * types are skipped as `unsupported-event` (`write` on purpose: `close` with
 * `modified` counts the same writes once per file instead of once per call).
 */
export class EsloggerEventParser extends LineEventReader {
  private readonly now: () => number;

  constructor(onEvent: (event: ObservedEvent) => void, options: EsloggerParserOptions = {}) {
    super(onEvent, { maxLineBytes: 4 * 1024 * 1024, ...options });
    this.now = options.now ?? Date.now;
  }

  protected line(buf: Buffer, start: number, end: number): void {
    const json = this.parseJsonLine(buf, start, end);
    if (!json) return;
    const msg = json.value;
    if (!isObject(msg) || !isObject(msg.event)) return this.skip('bad-record');
    const names = Object.keys(msg.event);
    if (names.length !== 1) return this.skip('bad-record');
    const name = names[0];
    const body = msg.event[name];
    if (!isObject(body)) return this.skip('bad-record');
    const proc = isObject(msg.process) ? msg.process : undefined;
    const processPath = filePath(proc?.executable) ?? '';
    const timestampMs = parseEsTime(msg.time) ?? this.now();
    const event: ObservedEvent = { timestampMs, files: [], keys: [] };
    const file = (path: string | undefined, op: ObservedFile['op']): boolean => {
      if (path === undefined) return false;
      event.files.push({ path, op, processPath });
      return true;
    };
    switch (name) {
      case 'exec': {
        const exec = readExec(body, proc);
        if (!exec) return this.skip('bad-record');
        event.exec = exec;
        break;
      }
      case 'create':
        if (!file(destinationPath(body), 'create')) return this.skip('bad-record');
        break;
      case 'rename':
        if (!file(destinationPath(body), 'rename')) return this.skip('bad-record');
        break;
      case 'close': {
        if (typeof body.modified !== 'boolean') return this.skip('bad-record');
        const path = filePath(body.target);
        if (path === undefined) return this.skip('bad-record');
        if (body.modified) file(path, 'modify');
        break;
      }
      case 'unlink':
        if (!file(filePath(body.target), 'delete')) return this.skip('bad-record');
        break;
      case 'open':
        if (!file(filePath(body.file), 'open')) return this.skip('bad-record');
        break;
      case 'fork':
      case 'exit':
        break;
      default:
        return this.skip('unsupported-event');
    }
    this.emit(event);
  }
}

function readExec(body: Record<string, unknown>, caller: Record<string, unknown> | undefined): ObservedExec | undefined {
  const target = body.target;
  if (!isObject(target)) return undefined;
  const image = filePath(target.executable);
  if (image === undefined) return undefined;
  // es_event_exec_t.script: set only when a script was executed directly (./job, not /bin/sh ./job).
  const script = filePath(body.script);
  const token = readAuditToken(target.audit_token) ?? readAuditToken(caller?.audit_token);
  const exec: ObservedExec = {
    path: script ?? image,
    parentPath: filePath(caller?.executable) ?? '',
    user: token ? String(token.euid) : '',
  };
  if (script !== undefined) exec.format = 'script';
  if (token) exec.pid = token.pid;
  const ppid = typeof target.ppid === 'number' ? target.ppid : readAuditToken(target.parent_audit_token)?.pid;
  if (ppid !== undefined) exec.ppid = ppid;
  return exec;
}

/** create/rename destination: `existing_file.path`, or `new_path.dir.path` + '/' + `new_path.filename`. */
export function destinationPath(body: Record<string, unknown>): string | undefined {
  const d = body.destination;
  if (!isObject(d)) return undefined;
  const existing = filePath(d.existing_file);
  const np = d.new_path;
  const fromNew = (): string | undefined => {
    if (!isObject(np)) return undefined;
    const dir = filePath(np.dir);
    if (dir === undefined || typeof np.filename !== 'string' || np.filename === '') return undefined;
    return dir.endsWith('/') ? dir + np.filename : `${dir}/${np.filename}`;
  };
  // destination_type says which arm is meant (0 existing file, 1 new path); without it, whichever is there
  if (body.destination_type === 0) return existing;
  if (body.destination_type === 1) return fromNew();
  return existing ?? fromNew();
}

function filePath(f: unknown): string | undefined {
  return isObject(f) && typeof f.path === 'string' && f.path !== '' ? f.path : undefined;
}

/** `2025-08-07T15:13:09.811587464Z` (ns precision) to epoch ms. */
export function parseEsTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(v);
  if (!m) return undefined;
  const base = Date.parse(m[1] + m[3]);
  if (!Number.isFinite(base)) return undefined;
  return base + (m[2] ? Math.floor(+`0.${m[2]}` * 1e6) / 1e3 : 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a whole buffer (tests, small inputs). */
export function parseEslogger(input: Buffer | string, options: EsloggerParserOptions = {}): { events: ObservedEvent[]; stats: EsloggerEventParser['stats'] } {
  const events: ObservedEvent[] = [];
  const p = new EsloggerEventParser((e) => events.push(e), options);
  p.push(typeof input === 'string' ? Buffer.from(input) : input);
  return { events, stats: p.end() };
}
