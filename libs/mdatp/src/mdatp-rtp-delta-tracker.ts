import type { MdatpRtpCounter, MdatpRtpPoll } from './mdatp-rtp-statistics-parser';
import type { MdatpRtpProcessRow } from './mdatp-rtp-summary';

/** Why a delta row has the value it has. */
export type MdatpRtpDeltaKind =
  | 'first' // the first poll seen: counts since the daemon started
  | 'new' // a pid not in the previous polls: a process that started scanning since
  | 'delta' // the same process, counter grew: new - old
  | 'pid-reused' // the same pid with another path: a new process, its whole counter
  | 'counter-reset' // this pid's counter went down (alone): restarted, its whole counter
  | 'daemon-restart'; // most counters went down: the daemon restarted, whole counters

/**
 * Files scanned and scan time of one process between two polls: a process row
 * as the summary adds them up. `path` is remembered from an earlier poll when
 * this one says null (the process exited); `maxFileScanTimeNs` is the largest
 * single-file scan time seen for this pid so far (not a delta).
 */
export interface MdatpRtpDelta extends MdatpRtpProcessRow {
  kind: MdatpRtpDeltaKind;
}

export interface MdatpRtpDeltaResult {
  pollIndex: number;
  pollTimeMs?: number;
  /** True when this poll was judged to follow a daemon restart. */
  daemonRestart: boolean;
  /** Rows with a non-zero delta only, in poll order. */
  deltas: MdatpRtpDelta[];
}

export interface MdatpRtpDeltaTrackerOptions {
  /** 'emit' (default): the first poll's counters are reported (counts since the daemon started). 'baseline': only remembered. */
  firstPoll?: 'emit' | 'baseline';
  /** Most pids remembered (least recently seen dropped first). Default 200,000. */
  maxTrackedPids?: number;
}

interface Tracked {
  name: string | null;
  path: string | null;
  files: number;
  timeNs: bigint;
  maxNs: bigint;
  /** Poll number this pid was last listed in. */
  seen: number;
}

export interface MdatpRtpTrackerState {
  polls: number;
  pids: Array<[number, string | null, string | null, number, string, string, number]>;
}

const compatible = (a: string | null, b: string | null) => a === null || b === null || a === b;

/**
 * Turns successive cumulative polls into per-(pid, path) deltas. Counters are
 * cumulative per PID since the daemon started, so:
 * - a pid seen before with the same (or an unknown) path gets new - old;
 * - a pid not seen before, or with another path (PID reuse), gets its whole counter;
 * - a counter that went down alone (PID reuse with the same path) gets its whole counter;
 * - when more than half of the counters the two polls share went down, the daemon
 *   restarted: every counter whose old value was taken before the restart (listed
 *   last no later than the newest counter that went down) counts whole; one whose
 *   old value may already be from after the restart keeps new - old.
 *   Pids not listed again are kept: if they come back lower, they count whole.
 * So a delta is never negative, and a scan is never counted twice. What the
 * daemon counted between the last poll before a restart and the restart is
 * lost (it is gone from the daemon too). Pids missing from a poll are kept:
 * an incomplete poll (cut short, or `--top N` text) says nothing about them.
 */
export class MdatpRtpDeltaTracker {
  private readonly pids = new Map<number, Tracked>();
  private polls = 0;
  private readonly maxTracked: number;

  constructor(private readonly options: MdatpRtpDeltaTrackerOptions = {}) {
    this.maxTracked = options.maxTrackedPids ?? 200_000;
  }

  get trackedPids(): number {
    return this.pids.size;
  }

  add(poll: MdatpRtpPoll): MdatpRtpDeltaResult {
    const first = this.polls === 0;
    this.polls++;
    // The last counter per pid wins when a poll lists a pid twice.
    const byPid = new Map<number, MdatpRtpCounter>();
    for (const c of poll.counters) byPid.set(c.pid, c);

    let shared = 0;
    let down = 0;
    // The restart happened after the last poll listing a counter that went down.
    let restartAfter = -1;
    for (const [pid, c] of byPid) {
      const old = this.pids.get(pid);
      if (!old || !compatible(old.path, c.path)) continue;
      shared++;
      if (c.filesScanned < old.files || c.scanTimeNs < old.timeNs) {
        down++;
        restartAfter = Math.max(restartAfter, old.seen);
      }
    }
    const restart = !first && shared > 0 && down * 2 > shared;
    const pollNo = this.polls;

    const deltas: MdatpRtpDelta[] = [];
    for (const [pid, c] of byPid) {
      const old = this.pids.get(pid);
      let kind: MdatpRtpDeltaKind;
      let files: number;
      let time: bigint;
      if (first) kind = 'first';
      else if (!old) kind = 'new';
      else if (!compatible(old.path, c.path)) kind = 'pid-reused';
      else if (c.filesScanned < old.files || c.scanTimeNs < old.timeNs) kind = restart ? 'daemon-restart' : 'counter-reset';
      // Listed last before the restart: the old value is from before it, the new one counts since it.
      else if (restart && old.seen <= restartAfter) kind = 'daemon-restart';
      else kind = 'delta';
      if (kind === 'delta') {
        files = c.filesScanned - old!.files;
        time = c.scanTimeNs - old!.timeNs;
      } else {
        files = c.filesScanned;
        time = c.scanTimeNs;
      }
      const keepOld = old && kind !== 'pid-reused';
      const name = c.name ?? (keepOld ? old!.name : null);
      const path = c.path ?? (keepOld ? old!.path : null);
      const maxNs = keepOld && kind === 'delta' && old!.maxNs > c.maxFileScanTimeNs ? old!.maxNs : c.maxFileScanTimeNs;
      // Re-insert so the Map's order is least recently seen first.
      this.pids.delete(pid);
      this.pids.set(pid, { name, path, files: c.filesScanned, timeNs: c.scanTimeNs, maxNs, seen: pollNo });
      if ((files > 0 || time > 0n) && !(first && this.options.firstPoll === 'baseline')) {
        deltas.push({ pid, name, path, filesScanned: files, scanTimeNs: Number(time), maxFileScanTimeNs: Number(maxNs), kind });
      }
    }
    while (this.pids.size > this.maxTracked) this.pids.delete(this.pids.keys().next().value as number);
    return { pollIndex: poll.index, pollTimeMs: poll.pollTimeMs, daemonRestart: restart, deltas };
  }

  /** What to persist so an agent restart neither re-sends nor loses counts. */
  exportState(): MdatpRtpTrackerState {
    return { polls: this.polls, pids: [...this.pids].map(([pid, t]) => [pid, t.name, t.path, t.files, t.timeNs.toString(), t.maxNs.toString(), t.seen]) };
  }

  importState(s: MdatpRtpTrackerState): void {
    this.pids.clear();
    this.polls = s.polls;
    for (const [pid, name, path, files, time, max, seen] of s.pids) this.pids.set(pid, { name, path, files, timeNs: BigInt(time), maxNs: BigInt(max), seen });
  }
}
