import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WindowCounts } from '@fleettune/counting';
import { MdatpRtpDeltaTracker, MdatpRtpPoll, MdatpRtpStatisticsParser, MdatpRtpTrackerState } from '@fleettune/mdatp';
import { mdatpRtpDeltaEvent } from '../sources/mdatp-sources';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';
import { ResumableWindowAggregator, WindowAggregatorSnapshot } from './resumable-window-aggregator';
import { CheckpointedSourceOptions, deliverOutbox, WindowOutbox } from './window-outbox';

/** Env var: a shell command printing one poll (tests point it at recorded samples). */
export const MDATP_RTP_COMMAND_ENV = 'FLEETTUNE_MDATP_RTP_COMMAND';
export const DEFAULT_MDATP_RTP_ARGV = ['mdatp', 'diagnostic', 'real-time-protection-statistics', '--output', 'json'];

/** The poller's whole state, written in one atomic write after each poll (see LiveCheckpoint for the outbox). */
interface MdatpPollCheckpoint {
  v: 1;
  source: string;
  savedAtMs: number;
  polls: number;
  tracker: MdatpRtpTrackerState;
  windows: WindowAggregatorSnapshot;
  outbox: WindowOutbox;
}

export interface MdatpRtpPollerOptions extends CheckpointedSourceOptions {
  /** Shell command printing one poll; default `mdatp diagnostic real-time-protection-statistics --output json`. */
  command?: string;
  timeoutMs?: number;
  /** Test hook: throw from it to simulate a crash between the checkpoint and the spool append. */
  faults?: { afterCheckpoint?: () => void };
}

export interface MdatpPollResult {
  ok: boolean;
  filesScanned: number;
  daemonRestart: boolean;
  windows: number;
}

/**
 * Live mdatp-rtp: runs the statistics command every poll and sends what each
 * process scanned since the previous poll. The counters are cumulative per
 * pid since the Defender daemon started, so MdatpRtpDeltaTracker turns them
 * into deltas and detects a daemon restart (counters going down): a delta
 * is never negative and a scan is never counted twice. The agent's first
 * poll is only a baseline (its counters span an unknown time, as `report`
 * treats the first of several polls). The tracker's counters, the open
 * windows and the windows being sent are checkpointed together, so an agent
 * restart continues from the last poll instead of re-sending or losing it.
 */
export class MdatpRtpPoller {
  private readonly tracker = new MdatpRtpDeltaTracker({ firstPoll: 'baseline' });
  private readonly windows: ResumableWindowAggregator;
  private readonly file: string;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private polls = 0;

  constructor(private readonly o: MdatpRtpPollerOptions) {
    this.log = o.log ?? (() => undefined);
    this.now = o.now ?? Date.now;
    this.windows = new ResumableWindowAggregator(o.source, o.windowMs);
    fs.mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    const id = createHash('sha256').update(`${o.source}:poll`).digest('hex').slice(0, 16);
    this.file = path.join(o.stateDir, `live-poll-${id}.json`);
    const cp = readJsonFile<MdatpPollCheckpoint>(this.file);
    if (cp) {
      if (cp.v !== 1) throw new Error(`${this.file}: unsupported checkpoint version ${String(cp.v)}`);
      this.tracker.importState(cp.tracker);
      this.windows.restore(cp.windows);
      this.polls = cp.polls;
      this.deliver(cp.outbox, true);
    }
  }

  get checkpointFile(): string {
    return this.file;
  }

  get label(): string {
    return this.o.command ?? DEFAULT_MDATP_RTP_ARGV.join(' ');
  }

  /** Runs the command once and counts its output. A failed run changes nothing (logged). */
  async poll(): Promise<MdatpPollResult> {
    let out: Buffer;
    try {
      out = await this.runCommand();
    } catch (err) {
      this.log(`${this.label} failed: ${(err as Error).message}`);
      return { ok: false, filesScanned: 0, daemonRestart: false, windows: 0 };
    }
    return this.count(out);
  }

  /** Counts one poll's output (the command's stdout). */
  count(output: Buffer): MdatpPollResult {
    const polls: MdatpRtpPoll[] = [];
    const parser = new MdatpRtpStatisticsParser((p) => polls.push(p));
    parser.push(output);
    const stats = parser.end();
    if (polls.length === 0) {
      this.log(`${this.label}: no statistics in its output (${stats.skipped} skipped: ${stats.messages.slice(0, 2).join('; ') || 'empty'})`);
      return { ok: false, filesScanned: 0, daemonRestart: false, windows: 0 };
    }
    const t = this.now();
    let files = 0;
    let restart = false;
    for (const poll of polls) {
      const r = this.tracker.add(poll);
      this.polls++;
      if (r.daemonRestart) {
        restart = true;
        this.log('the Defender daemon restarted since the last poll: its counters count whole, scans just before the restart are lost');
      }
      for (const d of r.deltas) {
        if (d.filesScanned <= 0) continue;
        this.windows.add({ ...mdatpRtpDeltaEvent(d, t), weight: d.filesScanned });
        files += d.filesScanned;
      }
    }
    if (stats.skipped) this.windows.addSkipped(stats.skipped);
    // Scans up to this poll are all known now: every window that ended is complete.
    const complete = this.windows.flushThrough(t);
    this.commit(complete);
    return { ok: true, filesScanned: files, daemonRestart: restart, windows: complete.length };
  }

  /** Stop (`--once` or a stop): the open window is sent as it is. */
  finish(): number {
    const ws = this.windows.flushAll();
    this.commit(ws);
    return ws.length;
  }

  private runCommand(): Promise<Buffer> {
    const [bin, args] = this.o.command ? ['/bin/sh', ['-c', this.o.command]] : [DEFAULT_MDATP_RTP_ARGV[0], DEFAULT_MDATP_RTP_ARGV.slice(1)];
    return new Promise((resolve, reject) => {
      execFile(bin, args, { encoding: 'buffer', maxBuffer: 256 << 20, timeout: this.o.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message.split('\n')[0]} ${stderr.toString('utf8').trim().slice(0, 300)}`.trim()));
        else resolve(stdout);
      });
    });
  }

  private commit(windows: WindowCounts[]): void {
    const cp: MdatpPollCheckpoint = {
      v: 1,
      source: this.o.source,
      savedAtMs: Date.now(),
      polls: this.polls,
      tracker: this.tracker.exportState(),
      windows: this.windows.snapshot(),
      outbox: { afterSequence: this.o.sink.lastSequence(), windows },
    };
    writeFileAtomic(this.file, JSON.stringify(cp));
    this.o.faults?.afterCheckpoint?.();
    this.deliver(cp.outbox, false);
  }

  private deliver(outbox: MdatpPollCheckpoint['outbox'], recovering: boolean): void {
    const n = deliverOutbox(this.o.sink, outbox);
    if (recovering && n) this.log(`recovered ${n} mdatp window(s) checkpointed but not spooled before a stop`);
  }
}
