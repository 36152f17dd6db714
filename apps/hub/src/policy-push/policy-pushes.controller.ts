import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { apiDate } from '../common/query-date';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { Page, pageQueryShape } from '../common/pagination';
import { ZodQuery } from '../common/zod-validation';
import { PushHistoryRow, PushHistoryService } from './push-history.service';
import { pageSchema, pushHistoryRowSchema } from '@fleettune/api-contract';
import { CONSOLE_CONNECTOR_KINDS } from './connectors/policy-console-connector';
import { ApiOkJson } from '../common/api-ok-answer';

const PUSH_MODES = ['webhook', 'pull', 'git', ...CONSOLE_CONNECTOR_KINDS] as const;

export const PUSH_STATUSES = ['queued', 'retrying', 'delivered', 'failed', 'served', 'unchanged'] as const;

const historyQuery = z
  .object({
    limit: pageQueryShape.limit,
    cursor: pageQueryShape.cursor,
    targetId: z.uuid().optional(),
    status: z.enum(PUSH_STATUSES).optional(),
    mode: z.enum(PUSH_MODES).optional(),
    since: apiDate.optional(),
    until: apiDate.optional(),
  })
  .strict();

/** Fleet-wide push history: what was sent to which target, when, and whether it arrived (closed loop on the Trends page). */
@ApiTags('policy-push')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/policy-pushes')
export class PolicyPushesController {
  constructor(private readonly history: PushHistoryService) {}

  @Get()
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'targetId', required: false, schema: { type: 'string', format: 'uuid' }, description: 'only pushes to this target' })
  @ApiQuery({ name: 'status', required: false, enum: PUSH_STATUSES })
  @ApiQuery({ name: 'mode', required: false, enum: PUSH_MODES })
  @ApiQuery({ name: 'since', required: false, schema: { type: 'string', format: 'date-time' }, description: 'created at or after' })
  @ApiQuery({ name: 'until', required: false, schema: { type: 'string', format: 'date-time' }, description: 'created before' })
  @ApiOkResponse({
    description:
      'Every webhook push and served pull, newest first: {items: [{id, target {id, name, kind, deleted}, set {id, version}, mode, format, ' +
      'itemCount, status, attempts, requestedBy, createdAt, finishedAt, lastStatusCode, lastError, lastAttempt}], nextCursor, total}',
  })
  @ApiOkJson(pageSchema(pushHistoryRowSchema))
  list(@ZodQuery(historyQuery) q: z.infer<typeof historyQuery>, @Req() req: AuthenticatedRequest): Promise<Page<PushHistoryRow>> {
    return this.history.list(q, req.principal?.role === 'admin');
  }
}
