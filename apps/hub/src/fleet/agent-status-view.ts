import { PrismaService } from '../database/prisma.service';

/** A host's latest agent health (issues 7/8), as GET /api/v1/hosts shows it; null until its agent reports one. */
export interface AgentStatusView {
  /** Sequence of the batch that carried it, and when the hub committed that batch. */
  sequence: number;
  reportedAt: Date;
  spoolPendingBatches: number;
  spoolBytes: number;
  /** 0 = unbounded. */
  spoolBoundBytes: number;
  droppedBatchesTotal: number;
  droppedEventsTotal: number;
  mergesTotal: number;
  rejectedBatchesTotal: number;
  /** Watchdog degrade level, 0 = normal. */
  degradeLevel: number;
  degraded: boolean;
  pausedSources: string[];
  /** 0 = unknown. */
  rssBytes: number;
  cpuPercent: number;
  /** Inputs that yielded no event ("<source> <input>: why"); the agent keeps sending them until the input yields events. */
  inputWarnings: string[];
}

/**
 * The latest statuses of the given hosts, one indexed primary-key lookup.
 * Stored values are bounded by the validator (<= 1e15), so Number() is exact.
 */
export async function loadAgentStatuses(prisma: PrismaService, hostIds: string[]): Promise<Map<string, AgentStatusView>> {
  const out = new Map<string, AgentStatusView>();
  if (hostIds.length === 0) return out;
  const rows = await prisma.hostAgentStatus.findMany({ where: { hostId: { in: hostIds } } });
  for (const r of rows) {
    out.set(r.hostId, {
      sequence: Number(r.sequence),
      reportedAt: r.reportedAt,
      spoolPendingBatches: Number(r.spoolPendingBatches),
      spoolBytes: Number(r.spoolBytes),
      spoolBoundBytes: Number(r.spoolBoundBytes),
      droppedBatchesTotal: Number(r.droppedBatchesTotal),
      droppedEventsTotal: Number(r.droppedEventsTotal),
      mergesTotal: Number(r.mergesTotal),
      rejectedBatchesTotal: Number(r.rejectedBatchesTotal),
      degradeLevel: r.degradeLevel,
      degraded: r.degradeLevel > 0 || r.pausedSources.length > 0,
      pausedSources: r.pausedSources ?? [],
      rssBytes: Number(r.rssBytes),
      cpuPercent: r.cpuPercent,
      inputWarnings: r.inputWarnings ?? [],
    });
  }
  return out;
}
