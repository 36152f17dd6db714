import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiQuery, ApiResponse, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { EXPORT_FORMATS } from '@fleettune/exporters';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { ZodBody } from '../common/zod-validation';
import { PolicyPushService } from './policy-push.service';
import { driftReportSchema, dryRunResultSchema, policyTargetViewSchema, queuedPushSchema, targetPushViewSchema } from '@fleettune/api-contract';
import { CONSOLE_CONNECTOR_KINDS } from './connectors/policy-console-connector';
import { openApiSchemaOf } from '../common/openapi-schema';
import { ApiOkFile, ApiOkJson, ApiOkJsonArray } from '../common/api-ok-answer';

const TARGET_KINDS = ['webhook', 'pull', 'git', ...CONSOLE_CONNECTOR_KINDS] as const;

const targetBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(TARGET_KINDS).default('webhook'),
    // webhook/pull: http(s); git: https, ssh or file (checked by the service, which knows the hub's settings).
    url: z.string().max(2000).optional(),
    secret: z.string().min(16, 'at least 16 characters').max(512).optional(),
    branch: z.string().max(200).optional(),
    directory: z.string().max(500).optional(),
    // Console connectors: checked by the connector's own schemas (connectors/*).
    config: z.record(z.string(), z.unknown()).optional(),
    credentials: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.kind === 'webhook' || b.kind === 'pull') && b.url !== undefined && !z.url({ protocol: /^https?$/ }).safeParse(b.url).success) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an http(s) URL' });
    }
  });

const pushBody = z.object({ targetId: z.uuid(), dryRun: z.boolean().optional() }).strict();

@ApiTags('policy-push')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/policy-targets')
export class PolicyTargetsController {
  constructor(private readonly push: PolicyPushService) {}

  @Post()
  @RequireRole('admin')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        kind: { type: 'string', enum: [...TARGET_KINDS] },
        url: {
          type: 'string',
          description: 'webhook: http(s); git: https://[user:token@]host/repo.git, ssh://git@host/repo.git or file:///path (when allowed)',
        },
        secret: { type: 'string', description: 'webhook HMAC key; generated and returned once when absent' },
        branch: { type: 'string', description: 'git: branch to commit to (default main)' },
        directory: { type: 'string', description: 'git: directory in the repository for the files (default: root)' },
        config: { type: 'object', description: "console connectors: non-secret settings (see the README section of the target's kind)" },
        credentials: { type: 'object', description: 'console connectors: API client credentials; sealed at rest, never shown again' },
      },
    },
  })
  @ApiCreatedResponse({
    schema: openApiSchemaOf(policyTargetViewSchema),
    description: 'The target; `secret` (the webhook signing key) is shown only in this answer',
  })
  create(@ZodBody(targetBody) body: z.infer<typeof targetBody>, @Req() req: AuthenticatedRequest) {
    return this.push.createTarget(body, req.principal!);
  }

  // Approvers push exclusions, so they may list where to; only admins see the URLs.
  @Get()
  @RequireRole('approver')
  @ApiOkJsonArray(policyTargetViewSchema, 'Targets (oldest first); url is null for non-admins')
  list(@Req() req: AuthenticatedRequest) {
    return this.push.listTargets(req.principal?.role === 'admin');
  }

  @Get(':id')
  @RequireRole('admin')
  @ApiOkJson(policyTargetViewSchema, 'One target')
  get(@Param('id') id: string) {
    return this.push.getTarget(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  async remove(@Param('id') id: string): Promise<void> {
    await this.push.deleteTarget(id);
  }

  @Get(':id/pushes')
  @RequireRole('admin')
  @ApiOkJsonArray(targetPushViewSchema, 'Push log: every webhook push and served pull with its delivery attempts')
  pushes(@Param('id') id: string) {
    return this.push.pushes(id);
  }

  @Get(':id/drift')
  @RequireRole('admin')
  @ApiOkJson(driftReportSchema, 'Console connectors: owned items changed, removed or added by hand since the hub last applied, read live from the console')
  drift(@Param('id') id: string) {
    return this.push.drift(id);
  }

  @Post(':id/rollback')
  @HttpCode(202)
  @RequireRole('approver')
  @ApiOkJson(
    queuedPushSchema,
    'Console connectors: queues a push of the previous approved version the console held (the newest verified push whose content differs)',
  )
  rollback(@Param('id') id: string, @Req() req: AuthenticatedRequest) {
    return this.push.rollback(id, req.principal!);
  }

  @Get(':id/export')
  @ApiQuery({ name: 'format', enum: Object.keys(EXPORT_FORMATS) })
  @ApiQuery({ name: 'os', enum: ['linux', 'darwin'], required: false, description: "Only this platform's items (default: the format's platform)" })
  @ApiOkFile("Approved items of the latest set as a file in the format's content type; ETag/If-None-Match (304 when unchanged)")
  async export(
    @Param('id') id: string,
    @Query('format') format: string,
    @Query('os') os: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const r = await this.push.pull(id, String(format ?? ''), ifNoneMatch, req.principal!, typeof os === 'string' ? os : undefined);
    res.setHeader('ETag', r.etag).setHeader('Cache-Control', 'no-cache').setHeader('X-Fleettune-Set-Version', String(r.setVersion));
    if (r.notModified) {
      res.status(304).end();
      return;
    }
    res
      .status(200)
      .setHeader('Content-Type', r.contentType)
      .setHeader('Content-Disposition', `attachment; filename="${r.fileName}"`)
      .setHeader('X-Fleettune-Skipped-Items', String(r.skipped))
      .send(r.content);
  }
}

@ApiTags('policy-push')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/exclusion-sets')
export class ExclusionSetPushController {
  constructor(private readonly push: PolicyPushService) {}

  @Post(':id/push')
  @HttpCode(202)
  @RequireRole('approver')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['targetId'],
      properties: {
        targetId: { type: 'string', format: 'uuid' },
        dryRun: { type: 'boolean', description: 'console connectors: answer 200 with what the push would change; nothing is written or queued' },
      },
    },
  })
  @ApiOkJson(queuedPushSchema, 'The queued push of the APPROVED items of this set (delivered by a BullMQ job with retries)')
  @ApiResponse({ status: 200, schema: openApiSchemaOf(dryRunResultSchema), description: 'dryRun: the plan against what the console holds now' })
  async pushSet(
    @Param('id') id: string,
    @ZodBody(pushBody) body: z.infer<typeof pushBody>,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (body.dryRun) {
      res.status(200);
      return this.push.dryRun(id, body.targetId);
    }
    return this.push.push(id, body.targetId, req.principal!);
  }
}
