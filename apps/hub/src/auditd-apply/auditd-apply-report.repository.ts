import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { AuditdApplyLineView } from '@fleettune/api-contract';
import { ValidAuditdApplyReport } from './auditd-apply-report-validator';

export interface StoredAuditdApplyReport {
  hostId: string;
  agentId: string;
  etag: string;
  setId: string | null;
  setVersion: number | null;
  state: string;
  message: string;
  lines: AuditdApplyLineView[];
  applied: number;
  skipped: number;
  failed: number;
  reportedAt: Date;
}

/** All data access of agent-applied auditd exclusions: the latest apply report per host, and what serving needs. */
@Injectable()
export class AuditdApplyReportRepository {
  constructor(private readonly prisma: PrismaService) {}

  async hostOs(hostId: string): Promise<string | undefined> {
    return (await this.prisma.host.findUnique({ where: { id: hostId }, select: { os: true } }))?.os;
  }

  async hostExists(hostId: string): Promise<boolean> {
    return (await this.prisma.host.count({ where: { id: hostId } })) > 0;
  }

  /**
   * What the approved items depend on: the latest set and the newest decision (an expiring snooze
   * turns snoozed into pending, neither approved, so it changes nothing served).
   */
  async reviewState(): Promise<{ latestSetId: string | null; newestDecisionId: string | null }> {
    const [row] = await this.prisma.$queryRaw<Array<{ set_id: string | null; decision_id: bigint | null }>>`
      SELECT (SELECT id::text FROM exclusion_sets ORDER BY version DESC LIMIT 1) AS set_id,
             (SELECT max(id) FROM exclusion_decisions) AS decision_id`;
    return { latestSetId: row?.set_id ?? null, newestDecisionId: row?.decision_id != null ? String(row.decision_id) : null };
  }

  /** Replaces the host's report (the newest one wins: an agent reports after each change). */
  async save(hostId: string, agentId: string, r: ValidAuditdApplyReport): Promise<void> {
    const data = {
      agentId,
      etag: r.etag,
      setId: r.setId,
      setVersion: r.setVersion,
      state: r.state,
      message: r.message,
      lines: r.lines as unknown as Prisma.InputJsonValue,
      applied: r.lines.filter((l) => l.outcome === 'applied').length,
      skipped: r.lines.filter((l) => l.outcome === 'skipped').length,
      failed: r.lines.filter((l) => l.outcome === 'failed').length,
      reportedAt: new Date(),
    };
    await this.prisma.auditdApplyReport.upsert({ where: { hostId }, create: { hostId, ...data }, update: data });
  }

  async forHost(hostId: string): Promise<StoredAuditdApplyReport | undefined> {
    const row = await this.prisma.auditdApplyReport.findUnique({ where: { hostId } });
    return row ? { ...row, lines: row.lines as unknown as AuditdApplyLineView[] } : undefined;
  }
}
