import * as path from 'node:path';
import { EsloggerProcessSource } from '../sources/eslogger-source';
import { FatraceProcessSource } from '../sources/fanotify-source';
import { DEFAULT_GRACE_MS } from './live-file-follower';
import { LiveAuditFollower } from './live-audit-follower';
import type { LiveFileFollower } from './live-file-follower';
import { LiveLineCounter } from './live-line-counter';
import { LiveLineFollower } from './live-line-follower';
import { LIVE_LINE_SOURCES, liveLineParserFactory } from './live-line-sources';
import { countLiveStream } from './live-stream';
import { MdatpRtpPoller } from './mdatp-rtp-poller';
import { PollLoop } from './poll-loop';
import type { FilePosition } from './rotating-file-reader';
import type { WindowSink } from './window-sink';
import type { InputWarnings } from './input-warnings';
import { nothingFromInput } from './input-warnings';
import { SupportSnapshotRunner } from './support-snapshot-runner';
import { ciscoSupportRunMode } from '../sources/cisco-support-source';

/** Sources `run` can stream. */
export const LIVE_SOURCES: readonly string[] = ['linux-audit', 'mdatp-rtp', ...LIVE_LINE_SOURCES];
/** Sources the agent can spawn a tool for when no --input is given. */
export const SPAWNABLE_SOURCES: readonly string[] = ['fanotify', 'eslogger'];

/** One `--source name[=input]` of `run`. */
export interface LiveSourceSpec {
  name: string;
  /** A file to follow, '-' for stdin, or undefined (spawn the tool / poll the command). */
  input?: string;
}

/**
 * Parses the repeated `--source` values: `name` or `name=input`. A plain
 * `--input` belongs to a single source given without one.
 */
export function parseLiveSources(values: readonly string[], input: string | undefined): LiveSourceSpec[] {
  const specs = values.map((v): LiveSourceSpec => {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    const own = eq < 0 ? undefined : v.slice(eq + 1);
    if (!LIVE_SOURCES.includes(name)) throw new Error(`source ${name} cannot be streamed; run supports: ${LIVE_SOURCES.join(', ')}`);
    if (own === '') throw new Error(`--source ${v}: the input after '=' is empty`);
    return { name, input: own };
  });
  if (input !== undefined) {
    if (specs.length !== 1 || specs[0].input !== undefined) {
      throw new Error('--input goes with a single --source; with several sources give each its input as --source name=FILE');
    }
    specs[0].input = input;
  }
  const seen = new Set<string>();
  for (const s of specs) {
    const key = `${s.name}:${s.input === undefined || s.input === '-' ? s.input : path.resolve(s.input)}`;
    if (seen.has(key)) throw new Error(`source ${s.name} with input ${s.input ?? '(none)'} is given twice`);
    seen.add(key);
    if (s.name === 'mdatp-rtp' && s.input !== undefined)
      throw new Error('mdatp-rtp polls its command (--mdatp-command); it takes no input file (report reads recorded polls)');
    if (s.input === undefined && s.name !== 'mdatp-rtp' && !SPAWNABLE_SOURCES.includes(s.name)) {
      throw new Error(`source ${s.name} needs an input: --source ${s.name}=FILE (or --input FILE with one source)`);
    }
  }
  if (specs.filter((s) => s.input === '-').length > 1) throw new Error('only one source can read stdin');
  return specs;
}

export interface LiveRunnerContext {
  stateDir: string;
  sink: WindowSink;
  windowMs: number;
  pollSeconds: number;
  mdatpCommand?: string;
  stdin: AsyncIterable<Buffer> & { destroy?: () => void };
  log: (msg: string) => void;
  /** Wakes the uplink after windows were spooled. */
  notify: () => void;
  /** Inputs that yielded nothing: warned on stderr and reported to the hub in AgentStatus. */
  warnings?: InputWarnings;
  /** Where a linux-audit file starts without a live checkpoint (an older agent's offset). */
  legacyPosition?: (spec: LiveSourceSpec) => FilePosition | undefined;
}

/** One streamed source in a `run` process: its own counting and checkpoint; the spool is shared. */
export interface LiveSourceRunner {
  readonly label: string;
  /** Whether `--once` can end it (a file read to its end, stdin to EOF, one poll); a spawned tool cannot. */
  readonly canRunOnce: boolean;
  /** `--once`: reads (or polls) what there is and spools every window. Returns windows spooled. */
  once(): Promise<number>;
  /** Streams until stop() (or the input ends); every window read is spooled when it resolves. */
  run(): Promise<void>;
  stop(): void;
}

class FollowedFileRunner implements LiveSourceRunner {
  readonly canRunOnce = true;
  private readonly loop: PollLoop;
  constructor(
    readonly label: string,
    private readonly follower: LiveFileFollower,
    private readonly c: LiveRunnerContext,
    private readonly source: string,
  ) {
    this.loop = new PollLoop(c.pollSeconds * 1000);
  }

  async once(): Promise<number> {
    try {
      return this.follower.finish();
    } finally {
      this.follower.close();
      this.checkYield();
    }
  }

  /** Lines read and none counted (e.g. execs.txt given as ampdaemon.log): warned loudly, and reported to the hub. */
  private checkYield(): void {
    const t = this.follower.tally;
    if (!t || !this.c.warnings) return;
    const key = `${this.source} ${this.label}`;
    if (t.events > 0) this.c.warnings.clear(key);
    else if (t.skipped > 0) this.c.warnings.warn(key, nothingFromInput(t.skipped, t.skippedReasons));
  }

  run(): Promise<void> {
    let busy = false;
    const poll = () => {
      if (busy || !this.loop.running) return;
      busy = true;
      try {
        // Catching up on a large file: one slice per turn so the uplink and other sources keep running.
        const r = this.follower.step();
        if (r.bytes > 0) this.checkYield();
        if (r.windows > 0) this.c.notify();
        if (r.bytes > 0) setImmediate(() => ((busy = false), poll()));
        else busy = false;
      } catch (err) {
        busy = false;
        this.c.log(`reading ${this.label} failed: ${(err as Error).message}`);
      }
    };
    return this.loop.run(poll);
  }

  stop(): void {
    this.loop.stop();
    this.follower.close();
    this.loop.finished();
  }
}

/** A stream that cannot be replayed: a spawned tool, or stdin. */
class StreamRunner implements LiveSourceRunner {
  constructor(
    readonly label: string,
    readonly canRunOnce: boolean,
    private readonly name: string,
    private readonly open: () => AsyncIterable<Buffer>,
    private readonly close: () => void,
    private readonly c: LiveRunnerContext,
  ) {}

  once(): Promise<number> {
    return this.count();
  }

  async run(): Promise<void> {
    await this.count();
  }

  stop(): void {
    this.close();
  }

  private async count(): Promise<number> {
    const counter = new LiveLineCounter({
      source: this.name,
      windowMs: this.c.windowMs,
      graceMs: DEFAULT_GRACE_MS,
      makeParser: liveLineParserFactory(this.name, this.c.log)!,
    });
    const r = await countLiveStream(this.open(), counter, { sink: this.c.sink, onWindows: () => this.c.notify() });
    this.c.log(`${this.label} ended: ${r.bytes} bytes read, ${r.windows} window batches spooled`);
    return r.windows;
  }
}

class MdatpPollRunner implements LiveSourceRunner {
  readonly canRunOnce = true;
  private readonly loop: PollLoop;
  private polling?: Promise<unknown>;
  constructor(
    private readonly poller: MdatpRtpPoller,
    private readonly c: LiveRunnerContext,
  ) {
    this.loop = new PollLoop(c.pollSeconds * 1000);
  }

  get label(): string {
    return this.poller.label;
  }

  async once(): Promise<number> {
    const r = await this.poller.poll();
    return r.windows + this.poller.finish();
  }

  run(): Promise<void> {
    const tick = () => {
      if (this.polling) return; // a slow command: skip this turn rather than overlap
      this.polling = this.poller
        .poll()
        .then((r) => r.windows > 0 && this.c.notify())
        .finally(() => (this.polling = undefined));
    };
    return this.loop.run(tick);
  }

  stop(): void {
    this.loop.stop();
    void (this.polling ?? Promise.resolve()).then(() => {
      if (this.poller.finish() > 0) this.c.notify();
      this.loop.finished();
    });
  }
}

/** The runner for one source spec (validated by parseLiveSources). */
export function makeLiveSourceRunner(spec: LiveSourceSpec, c: LiveRunnerContext): LiveSourceRunner {
  const common = { source: spec.name, stateDir: c.stateDir, sink: c.sink, windowMs: c.windowMs, log: c.log };
  if (spec.name === 'mdatp-rtp') return new MdatpPollRunner(new MdatpRtpPoller({ ...common, command: c.mdatpCommand }), c);
  if (spec.input === '-') {
    const stdin = c.stdin;
    return new StreamRunner(
      `${spec.name} from stdin`,
      true,
      spec.name,
      () => stdin,
      () => stdin.destroy?.(),
      c,
    );
  }
  if (spec.input === undefined) {
    const tool = spec.name === 'fanotify' ? new FatraceProcessSource() : new EsloggerProcessSource();
    return new StreamRunner(
      tool.label,
      false,
      spec.name,
      () => tool.start(),
      () => tool.stop(),
      c,
    );
  }
  const input = path.resolve(spec.input);
  if (spec.name === 'linux-audit') {
    return new FollowedFileRunner(input, new LiveAuditFollower({ ...common, input, initialPosition: c.legacyPosition?.(spec) }), c, spec.name);
  }
  // Support Tool lists and packages are snapshots: counted once, not followed (issue 19 item 7).
  if (spec.name === 'cisco-support' && ciscoSupportRunMode(input) === 'snapshot') return new SupportSnapshotRunner(input, c);
  return new FollowedFileRunner(input, new LiveLineFollower({ ...common, input, makeParser: liveLineParserFactory(spec.name, c.log)! }), c, spec.name);
}
