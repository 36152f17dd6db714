import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { HostAuditdExclusionsView } from '@fleettune/api-contract';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { AuditdApplyReportsService } from './auditd-apply-reports.service';
import { hostAuditdExclusionsViewSchema } from '@fleettune/api-contract';
import { ApiOkJson } from '../common/api-ok-answer';

@ApiTags('hosts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/hosts')
export class AuditdApplyController {
  constructor(private readonly reports: AuditdApplyReportsService) {}

  @Get(':id/auditd-exclusions')
  @ApiOkResponse({
    description:
      "What the host's agent last reported doing with the approved auditd exclusions (fleettune-agent apply-exclusions): state " +
      '(applied | partial | failed | immutable | unavailable), and per item applied / skipped (with why, e.g. its path is absent on the host) / failed; ' +
      'report is null before the first report. current: the etag and item count the hub serves the host now (reportIsCurrent false: not applied yet).',
  })
  @ApiOkJson(hostAuditdExclusionsViewSchema)
  view(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostAuditdExclusionsView<Date>> {
    return this.reports.view(id);
  }
}
