import type { AgentStatusView as ContractAgentStatusView } from '@fleettune/api-contract';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** A host's latest agent health as the hub builds it; the wire type lives in the API contract. */
export type AgentStatusView = ContractAgentStatusView<Date>;

/**
 * The latest statuses of the given hosts, one indexed primary-key lookup.
 * Stored values are bounded by the validator (<= 1e15), so Number() is exact.
 */
@Injectable()
export class AgentStatusRepository {
  constructor(private readonly prisma: PrismaService) {}

  async latestFor(hostIds: string[]): Promise<Map<string, AgentStatusView>> {
    const out = new Map<string, AgentStatusView>();
    if (hostIds.length === 0) return out;
    const rows = await this.prisma.hostAgentStatus.findMany({ where: { hostId: { in: hostIds } } });
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
}
