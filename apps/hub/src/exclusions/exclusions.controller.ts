import { BadRequestException, Controller, Get, NotFoundException, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ApiBearerAuth, ApiQuery, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { Response } from 'express';
import { EXPORT_FORMATS, ExportFormatId } from '@fleettune/exporters';
import { itemsForPlatform } from '@fleettune/rules';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { QUEUES } from '../jobs/job-registry';
import { ExclusionScheduleService } from './exclusion-schedule.service';
import { platformOrBadRequest } from './export-platform';
import { ExclusionSetDiffView, ExclusionSetView, ExclusionSetsService } from './exclusion-sets.service';
import { exclusionSetDiffViewSchema, exclusionSetViewSchema, jobStateSchema, queuedJobSchema, JobState, QueuedJob } from '@fleettune/api-contract';
import { openApiSchemaOf } from '../common/openapi-schema';
import { ApiOkFile, ApiOkJson } from '../common/api-ok-answer';

@ApiTags('exclusions')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/exclusion-sets')
export class ExclusionsController {
  constructor(
    private readonly sets: ExclusionSetsService,
    private readonly schedule: ExclusionScheduleService,
    @InjectQueue(QUEUES.exclusions) private readonly queue: Queue,
  ) {}

  @Post('recompute')
  @RequireRole('approver')
  @ApiCreatedResponse({ schema: openApiSchemaOf(queuedJobSchema), description: 'The id of the enqueued recompute job' })
  async recompute(): Promise<QueuedJob> {
    return { jobId: await this.schedule.enqueue() };
  }

  @Get('jobs/:jobId')
  @ApiOkJson(jobStateSchema, 'State of a recompute job and, once done, the set it produced')
  async job(@Param('jobId') jobId: string): Promise<JobState> {
    const job = await this.queue.getJob(jobId);
    if (!job) throw new NotFoundException(`job ${jobId} not found`);
    // State first, then a fresh read of the job: a job finishing between the
    // two reads would otherwise show as completed without its result.
    const state = await job.getState();
    const fresh = state === 'completed' || state === 'failed' ? ((await this.queue.getJob(jobId)) ?? job) : job;
    return { id: jobId, state, result: fresh.returnvalue ?? undefined, failedReason: fresh.failedReason || undefined };
  }

  @Get('latest')
  @ApiOkJson(exclusionSetViewSchema, 'The newest set version: items with their current decision, and host-scoped suggestions')
  latest(): Promise<ExclusionSetView> {
    return this.sets.latest();
  }

  @Get(':id')
  @ApiOkJson(exclusionSetViewSchema, 'One set version: items with their current decision, and host-scoped suggestions')
  byId(@Param('id') id: string): Promise<ExclusionSetView> {
    return this.sets.byId(id);
  }

  @Get(':id/diff')
  @ApiOkJson(exclusionSetDiffViewSchema, 'What changed against the previous version: added, removed and changed items, each with why')
  diff(@Param('id') id: string): Promise<ExclusionSetDiffView> {
    return this.sets.diff(id);
  }

  @Get(':id/export')
  @ApiQuery({ name: 'format', enum: Object.keys(EXPORT_FORMATS) })
  @ApiQuery({
    name: 'include',
    required: false,
    enum: ['approved', 'all'],
    description: 'approved (default): only items whose current decision is approved. all: every item, and the file is marked UNREVIEWED',
  })
  @ApiQuery({
    name: 'muteExecInDirectories',
    required: false,
    enum: ['true', 'false'],
    description: 'auditd-rules only: directory rules also mute executions from the directory (default false: -F perm=rwa keeps them recorded)',
  })
  @ApiQuery({
    name: 'os',
    enum: ['linux', 'darwin'],
    required: false,
    description:
      "Only this platform's items. Default: the format's platform (mdatp-json, auditd-rules: linux; mdatp-plist: darwin; cisco-*: the whole set when it is one platform's, else darwin; mdatp-cli: all)",
  })
  @ApiOkFile("The set's items as a file in the format's content type (X-Fleettune-Review says whether only approved items are in it)")
  async export(
    @Param('id') id: string,
    @Query('format') format: string,
    @Query('include') include: string | undefined,
    @Res() res: Response,
    @Query('muteExecInDirectories') muteExec?: string,
    @Query('os') os?: string,
  ): Promise<void> {
    const spec = EXPORT_FORMATS[format as ExportFormatId];
    if (!Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, format) || !spec) {
      throw new BadRequestException(`format must be one of: ${Object.keys(EXPORT_FORMATS).join(', ')}`);
    }
    if (include !== undefined && include !== 'approved' && include !== 'all') {
      throw new BadRequestException('include must be "approved" (the default) or "all"');
    }
    if (muteExec !== undefined && muteExec !== 'true' && muteExec !== 'false') {
      throw new BadRequestException('muteExecInDirectories must be true or false');
    }
    // What is exported is what was reviewed: pending, rejected and snoozed items (and approvals a later
    // widening voided) only with include=all, and then the file itself says it is unreviewed.
    const all = include === 'all';
    const { set, items: approved } = await this.sets.approvedItems(id);
    // One platform's items (issue 19 item 5); whether the set is mixed is judged on the whole set.
    const platform = platformOrBadRequest(format as ExportFormatId, os, set.items);
    const items = itemsForPlatform(all ? set.items : approved, platform);
    const { content, skipped, partial } = spec.exporter.export(items, { unreviewed: all, muteExecInDirectories: muteExec === 'true' });
    res
      .status(200)
      .setHeader('X-Fleettune-Platform', platform ?? 'all')
      .setHeader('Content-Type', spec.contentType)
      .setHeader('Content-Disposition', `attachment; filename="${all ? 'UNREVIEWED-' : ''}${spec.fileName}"`)
      .setHeader('X-Fleettune-Review', all ? 'unreviewed' : 'approved-only')
      .setHeader('X-Fleettune-Skipped-Items', String(skipped.length))
      // Written with less effect than the item asks (e.g. a Cisco process path with * on an old connector).
      .setHeader('X-Fleettune-Partial-Items', String(partial?.length ?? 0))
      .send(content);
  }
}
