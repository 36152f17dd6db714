import { Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { ZodBody } from '../common/zod-validation';
import { DECISIONS, ExclusionDecisionsService } from './exclusion-decisions.service';
import { decisionHistoryRowSchema, decisionResultSchema } from '@fleettune/api-contract';
import { ApiOkJson, ApiOkJsonArray } from '../common/api-ok-answer';

const decisionBody = z.object({
  decision: z.enum(DECISIONS),
  comment: z.string().trim().min(1, 'a comment is required').max(2000),
  snoozeUntil: z.iso.datetime({ offset: true }).optional(),
});

@ApiTags('exclusions')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/exclusion-items')
export class ExclusionItemsController {
  constructor(private readonly decisions: ExclusionDecisionsService) {}

  @Post(':id/decision')
  @HttpCode(200)
  @RequireRole('approver')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['decision', 'comment'],
      properties: {
        decision: { type: 'string', enum: [...DECISIONS] },
        comment: { type: 'string' },
        snoozeUntil: { type: 'string', format: 'date-time', description: 'required for snoozed' },
      },
    },
  })
  @ApiOkJson(decisionResultSchema, 'The item and its current decision (kept for every later version of the set)')
  decide(@Param('id') id: string, @ZodBody(decisionBody) body: z.infer<typeof decisionBody>, @Req() req: AuthenticatedRequest) {
    return this.decisions.decide(id, body, req.principal!);
  }

  @Get(':id/decisions')
  @ApiOkJsonArray(decisionHistoryRowSchema, 'Every decision about this item (by type, value and user), newest first')
  history(@Param('id') id: string) {
    return this.decisions.history(id);
  }
}
