import { AgentStatus } from '@fleettune/proto';
import { BatchSpool } from '../spool/batch-spool';
import { processSampler, ResourceSample, ResourceSampler } from '../watchdog/resource-sample';

/** What the watchdog tells the hub (DegradeController.state() fits). */
export interface DegradeStateSource {
  state(): { level: number; pausedSources: string[] };
}

/**
 * Builds the AgentStatus put on each batch as it goes on the wire (issues
 * 7/8): read at send time rather than spool time, so a batch spooled an hour
 * ago still carries the spool's current backlog and drop totals.
 */
export class AgentStatusReporter {
  private degrade: DegradeStateSource | undefined;
  private last: ResourceSample;
  private cpuPercent = 0;

  constructor(
    private readonly spool: BatchSpool,
    private readonly rejectedBatches: () => number,
    private readonly sampler: ResourceSampler = processSampler,
  ) {
    this.last = sampler();
  }

  private inputWarnings: () => string[] = () => [];

  /** Inputs that yielded nothing (see live/input-warnings.ts). */
  setInputWarnings(list: () => string[]): void {
    this.inputWarnings = list;
  }

  /** The watchdog starts after the uplink; it registers here once it runs. */
  setDegradeSource(source: DegradeStateSource | undefined): void {
    this.degrade = source;
  }

  status(): AgentStatus {
    const s = this.spool.stats();
    const d = this.degrade?.state();
    const now = this.sampler();
    // CPU averaged since the previous measurement (at least 1 s apart, so a
    // burst of batches does not report noise): two cheap syscalls, no timer.
    const wallMs = now.atMs - this.last.atMs;
    if (wallMs >= 1000) {
      this.cpuPercent = Math.max(0, Math.round(((now.cpuMicros - this.last.cpuMicros) / 10 / wallMs) * 10) / 10);
      this.last = now;
    }
    return {
      spoolPendingBatches: s.pending,
      spoolBytes: s.fileBytes,
      spoolBoundBytes: this.spool.boundBytes,
      droppedBatchesTotal: s.droppedBatches,
      droppedEventsTotal: s.droppedEvents,
      mergesTotal: s.mergedBatches,
      rejectedBatchesTotal: this.rejectedBatches(),
      degradeLevel: d?.level ?? 0,
      pausedSources: d?.pausedSources ?? [],
      rssBytes: now.rssBytes,
      cpuPercent: this.cpuPercent,
      inputWarnings: this.inputWarnings(),
    };
  }
}
