import { Module } from '@nestjs/common';
import { ExclusionsModule } from '../exclusions/exclusions.module';
import { AuditdApplyController } from './auditd-apply.controller';
import { AuditdApplyReportRepository } from './auditd-apply-report.repository';
import { AuditdApplyReportsService } from './auditd-apply-reports.service';
import { AuditdExclusionsService } from './auditd-exclusions.service';

/** Agent-applied auditd exclusions (issue 14 item 2): what each agent is served over gRPC, and what it reports back. */
@Module({
  imports: [ExclusionsModule],
  controllers: [AuditdApplyController],
  providers: [AuditdApplyReportRepository, AuditdExclusionsService, AuditdApplyReportsService],
  exports: [AuditdExclusionsService, AuditdApplyReportsService],
})
export class AuditdApplyModule {}
