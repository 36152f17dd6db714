import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { apiDate } from '../common/query-date';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { Page, decodeCursor, encodeCursor, pageQueryShape } from '../common/pagination';
import { ZodQuery } from '../common/zod-validation';
import { AuditLogService, AuditLogView } from './audit-log.service';
import { auditLogViewSchema, pageSchema } from '@fleettune/api-contract';
import { ApiOkJson } from '../common/api-ok-answer';

const auditQuerySchema = z.object({
  limit: pageQueryShape.limit,
  cursor: pageQueryShape.cursor,
  action: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  since: apiDate.optional(),
  until: apiDate.optional(),
});

@ApiTags('audit-log')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @RequireRole('admin')
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'action', required: false, description: 'action prefix, e.g. "token."' })
  @ApiQuery({ name: 'actor', required: false, description: 'e.g. token:ops-admin, cli' })
  @ApiQuery({ name: 'since', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'until', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiOkJson(pageSchema(auditLogViewSchema), 'Every write (who, what, when), newest first; {items, nextCursor}')
  async list(@ZodQuery(auditQuerySchema) q: z.infer<typeof auditQuerySchema>): Promise<Page<AuditLogView>> {
    const beforeId = q.cursor ? BigInt(decodeCursor(q.cursor, (v): v is { b: string } => typeof v.b === 'string' && /^\d{1,19}$/.test(v.b)).b) : undefined;
    const rows = await this.audit.list({ ...q, limit: q.limit + 1, beforeId });
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? encodeCursor({ b: items[items.length - 1].id }) : null };
  }
}
