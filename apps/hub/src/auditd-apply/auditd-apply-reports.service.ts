import { Injectable, NotFoundException } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { AuditdApplyReport } from '@fleettune/proto';
import type { HostAuditdExclusionsView } from '@fleettune/api-contract';
import { GrpcError } from '../ingest/grpc-error';
import { AuditdApplyReportRepository } from './auditd-apply-report.repository';
import { validateAuditdApplyReport } from './auditd-apply-report-validator';
import { AuditdExclusionsService } from './auditd-exclusions.service';

/** Records what agents report doing with the auditd exclusions, and shows it per host. */
@Injectable()
export class AuditdApplyReportsService {
  constructor(
    private readonly repo: AuditdApplyReportRepository,
    private readonly served: AuditdExclusionsService,
  ) {}

  /** `agent` is the authenticated caller: it reports for its own host only. */
  async record(agent: { agentId: string; hostId: string }, report: AuditdApplyReport): Promise<void> {
    if (report.hostId !== agent.hostId) throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'host_id does not belong to this agent');
    const checked = validateAuditdApplyReport(report);
    if ('problem' in checked) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `auditd apply report: ${checked.problem}`);
    await this.repo.save(agent.hostId, agent.agentId, checked.report);
  }

  async view(hostId: string): Promise<HostAuditdExclusionsView<Date>> {
    if (!(await this.repo.hostExists(hostId))) throw new NotFoundException(`host ${hostId} not found`);
    const [stored, current] = await Promise.all([this.repo.forHost(hostId), this.served.forHost(hostId)]);
    return {
      hostId,
      report: stored
        ? {
            state: stored.state as NonNullable<HostAuditdExclusionsView['report']>['state'],
            message: stored.message,
            etag: stored.etag,
            setId: stored.setId,
            setVersion: stored.setVersion,
            reportedAt: stored.reportedAt,
            applied: stored.applied,
            skipped: stored.skipped,
            failed: stored.failed,
            lines: stored.lines,
          }
        : null,
      current: {
        etag: current.etag,
        setVersion: current.setId ? current.setVersion : null,
        items: current.items.length,
        reportIsCurrent: stored?.etag === current.etag,
      },
    };
  }
}
