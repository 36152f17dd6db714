import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiQuery, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { EXPORT_FORMATS } from '@fleettune/exporters';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { ZodBody } from '../common/zod-validation';
import { PolicyPushService } from './policy-push.service';
import { policyTargetViewSchema, queuedPushSchema, targetPushViewSchema } from '@fleettune/api-contract';
import { openApiArrayOf, openApiSchemaOf } from '../common/openapi-schema';

const targetBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['webhook', 'pull', 'git']).default('webhook'),
    // webhook/pull: http(s); git: https, ssh or file (checked by the service, which knows the hub's settings).
    url: z.string().max(2000).optional(),
    secret: z.string().min(16, 'at least 16 characters').max(512).optional(),
    branch: z.string().max(200).optional(),
    directory: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.kind !== 'git' && b.url !== undefined && !z.url({ protocol: /^https?$/ }).safeParse(b.url).success) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an http(s) URL' });
    }
  });

const pushBody = z.object({ targetId: z.uuid() }).strict();

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
        kind: { type: 'string', enum: ['webhook', 'pull', 'git'] },
        url: {
          type: 'string',
          description: 'webhook: http(s); git: https://[user:token@]host/repo.git, ssh://git@host/repo.git or file:///path (when allowed)',
        },
        secret: { type: 'string', description: 'webhook HMAC key; generated and returned once when absent' },
        branch: { type: 'string', description: 'git: branch to commit to (default main)' },
        directory: { type: 'string', description: 'git: directory in the repository for the files (default: root)' },
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
  @ApiOkResponse({ schema: openApiArrayOf(policyTargetViewSchema), description: 'Targets (oldest first); url is null for non-admins' })
  list(@Req() req: AuthenticatedRequest) {
    return this.push.listTargets(req.principal?.role === 'admin');
  }

  @Get(':id')
  @RequireRole('admin')
  @ApiOkResponse({ schema: openApiSchemaOf(policyTargetViewSchema), description: 'One target' })
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
  @ApiOkResponse({ schema: openApiArrayOf(targetPushViewSchema), description: 'Push log: every webhook push and served pull with its delivery attempts' })
  pushes(@Param('id') id: string) {
    return this.push.pushes(id);
  }

  @Get(':id/export')
  @ApiQuery({ name: 'format', enum: Object.keys(EXPORT_FORMATS) })
  @ApiQuery({ name: 'os', enum: ['linux', 'darwin'], required: false, description: "Only this platform's items (default: the format's platform)" })
  @ApiOkResponse({
    description: "Approved items of the latest set as a file in the format's content type; ETag/If-None-Match (304 when unchanged)",
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
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
  @ApiBody({ schema: { type: 'object', required: ['targetId'], properties: { targetId: { type: 'string', format: 'uuid' } } } })
  @ApiOkResponse({
    schema: openApiSchemaOf(queuedPushSchema),
    description: 'The queued push of the APPROVED items of this set (delivered by a BullMQ job with retries)',
  })
  pushSet(@Param('id') id: string, @ZodBody(pushBody) body: z.infer<typeof pushBody>, @Req() req: AuthenticatedRequest) {
    return this.push.push(id, body.targetId, req.principal!);
  }
}
