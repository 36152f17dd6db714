import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { ZodQuery } from '../common/zod-validation';
import { BeforeAfterQuery, FleetCostQuery, HostCostQuery, beforeAfterQuerySchema, fleetCostQuerySchema, hostCostQuerySchema } from './cost-query.dto';
import { CostService } from './cost.service';
import { beforeAfterViewSchema, fleetCostViewSchema, hostCostViewSchema } from '@fleettune/api-contract';
import { ApiOkJson } from '../common/api-ok-answer';

@ApiTags('cost')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/cost')
export class CostController {
  constructor(private readonly cost: CostService) {}

  @Get('hosts/:id')
  @ApiQuery({ name: 'since', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'until', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'product', required: false, description: 'only this product (auditd, mdatp, cisco, ...)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 5000, default: 500 } })
  @ApiOkResponse({
    description:
      "One host's security-product cost over time: {totals (per process name: cpuSeconds, cpuPercent of one core, peakRssKb), " +
      'windows: [{windowStart, windowEnd, coveredMs, products, auditd: {enabled, pid, lostDelta, backlogMax, backlogLimit, rateLimit, ' +
      'rulesTotal, rulesByProduct, logGrowthBytesPerHour, logRotationsPerDay, dispatch, consumers}}], findings: [{code, severity, message, advice}]}',
  })
  @ApiOkJson(hostCostViewSchema)
  host(@Param('id', new ParseUUIDPipe()) id: string, @ZodQuery(hostCostQuerySchema) q: HostCostQuery) {
    return this.cost.hostCost(id, q);
  }

  @Get('fleet')
  @ApiQuery({ name: 'since', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'until', required: false, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'product', required: false })
  @ApiQuery({ name: 'top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } })
  @ApiOkResponse({
    description: 'Fleet-wide: cost per product, CPU percent across hosts (median and range), hosts with lost audit events, top hosts by product CPU',
  })
  @ApiOkJson(fleetCostViewSchema)
  fleet(@ZodQuery(fleetCostQuerySchema) q: FleetCostQuery) {
    return this.cost.fleet(q);
  }

  @Get('before-after')
  @ApiQuery({ name: 'hostIds', required: false, description: 'comma-separated host ids (default: hosts with data in both periods)' })
  @ApiQuery({ name: 'at', required: false, schema: { type: 'string', format: 'date-time' }, description: 'the change; required without pushId' })
  @ApiQuery({
    name: 'pushId',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: 'a policy push: its time (delivered/created) and its items',
  })
  @ApiQuery({ name: 'windowMinutes', required: false, schema: { type: 'number', default: 30 } })
  @ApiQuery({ name: 'product', required: false })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'minReductionPercent', required: false, schema: { type: 'number', default: 5 } })
  @ApiOkResponse({
    description:
      'Equal periods before and after a change: per host the event rate and product CPU percent, and across hosts their median and range ' +
      '(summary), with hosts (noReductionHosts) and the whole change (noReduction) flagged when nothing fell by minReductionPercent',
  })
  @ApiOkJson(beforeAfterViewSchema)
  beforeAfter(@ZodQuery(beforeAfterQuerySchema) q: BeforeAfterQuery) {
    return this.cost.beforeAfter(q);
  }
}
