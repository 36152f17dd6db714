import { applyDecorators, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ApiBearerAuth, ApiBody, ApiQuery, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { apiDate } from '../common/query-date';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { ZodBody, ZodQuery } from '../common/zod-validation';
import { QUEUES } from '../jobs/job-registry';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertScheduleService } from './alert-schedule.service';
import { ALERT_STATUSES, AlertView } from './alert-view';
import { AlertAction, AlertsService, ChannelView, DeliveryView } from './alerts.service';
import {
  alertChannelViewSchema,
  alertDeliveryViewSchema,
  alertDetailViewSchema,
  alertViewSchema,
  jobStateSchema,
  queuedJobSchema,
  redeliveryResultSchema,
  JobState,
  QueuedJob,
  AlertDetailView,
} from '@fleettune/api-contract';
import { openApiSchemaOf } from '../common/openapi-schema';
import { ApiOkJson, ApiOkJsonArray } from '../common/api-ok-answer';

const listQuery = z.object({
  status: z.enum(ALERT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
const evaluateBody = z.object({ now: apiDate.optional() }).strict();
const actionBody = z.object({ note: z.string().max(2000).optional() }).strict();
const channelBody = z
  .object({
    name: z.string().min(1).max(200),
    type: z.enum(['webhook', 'slack']),
    url: z
      .string()
      .url()
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
    /** Webhook signing key; generated when absent. */
    secret: z.string().min(16).max(512).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const channelPatch = z.object({ enabled: z.boolean() }).strict();

function who(req: AuthenticatedRequest): string {
  return req.principal?.name ?? 'unknown';
}

/** An approver moves an alert on: POST /:id/<action>, answered with the alert in its new state. */
const AlertTransition = (action: AlertAction, state: string) =>
  applyDecorators(Post(`:id/${action}`), HttpCode(200), RequireRole('approver'), ApiOkJson(alertViewSchema, `The alert, now ${state}`));

@ApiTags('alerts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly schedule: AlertScheduleService,
    private readonly delivery: AlertDeliveryService,
    @InjectQueue(QUEUES.alerts) private readonly queue: Queue,
  ) {}

  @Get()
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUSES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 5000, default: 500 } })
  @ApiOkJsonArray(alertViewSchema, 'Alerts on newly noisy subjects, most recently seen first')
  list(@ZodQuery(listQuery) q: z.infer<typeof listQuery>): Promise<AlertView[]> {
    return this.alerts.list(q.status, q.limit);
  }

  @Post('evaluate')
  @HttpCode(200)
  @RequireRole('approver')
  @ApiBody({ required: false, schema: { type: 'object', properties: { now: { type: 'string', format: 'date-time' } } } })
  @ApiOkJson(queuedJobSchema, 'The id of the enqueued detection job; `now` defaults to the latest window end in the data')
  async evaluate(@ZodBody(evaluateBody) body: z.infer<typeof evaluateBody>): Promise<QueuedJob> {
    return { jobId: await this.schedule.enqueue(body.now) };
  }

  @Get('jobs/:jobId')
  @ApiOkJson(jobStateSchema, 'State of a detection job and, once done, what it found')
  async job(@Param('jobId') jobId: string): Promise<JobState> {
    // State first, then the job: read the other way round, a job finishing in between is "completed" without its result.
    const state = await this.queue.getJobState(jobId);
    const job = state === 'unknown' ? undefined : await this.queue.getJob(jobId);
    if (!job) throw new NotFoundException(`job ${jobId} not found`);
    return { id: jobId, state, result: job.returnvalue ?? undefined, failedReason: job.failedReason || undefined };
  }

  @Get(':id')
  @ApiOkJson(alertDetailViewSchema, 'One alert with its deliveries and their attempt log')
  get(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<AlertDetailView<Date>> {
    return this.alerts.get(id, req.principal?.role === 'admin');
  }

  @AlertTransition('acknowledge', 'acknowledged')
  acknowledge(@Param('id') id: string, @ZodBody(actionBody) b: z.infer<typeof actionBody>, @Req() req: AuthenticatedRequest): Promise<AlertView> {
    return this.act(id, 'acknowledge', b, req);
  }

  @AlertTransition('resolve', 'resolved')
  resolve(@Param('id') id: string, @ZodBody(actionBody) b: z.infer<typeof actionBody>, @Req() req: AuthenticatedRequest): Promise<AlertView> {
    return this.act(id, 'resolve', b, req);
  }

  @AlertTransition('mute', 'muted')
  mute(@Param('id') id: string, @ZodBody(actionBody) b: z.infer<typeof actionBody>, @Req() req: AuthenticatedRequest): Promise<AlertView> {
    return this.act(id, 'mute', b, req);
  }

  @Post(':id/redeliver')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOkJson(redeliveryResultSchema, 'Deliveries of the alert that failed for good are queued again')
  async redeliver(@Param('id') id: string): Promise<z.infer<typeof redeliveryResultSchema>> {
    await this.alerts.get(id);
    return { requeued: await this.delivery.redeliverFailed(id) };
  }

  private act(id: string, action: AlertAction, b: { note?: string }, req: AuthenticatedRequest): Promise<AlertView> {
    return this.alerts.transition(id, action, who(req), b.note);
  }
}

@ApiTags('alerts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1/alert-channels')
export class AlertChannelsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @RequireRole('admin')
  @ApiOkJsonArray(alertChannelViewSchema, 'Alert channels (never their secret)')
  list(): Promise<ChannelView[]> {
    return this.alerts.listChannels();
  }

  @Post()
  @RequireRole('admin')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name', 'type', 'url'],
      properties: {
        name: { type: 'string' },
        type: { type: 'string', enum: ['webhook', 'slack'] },
        url: { type: 'string', format: 'uri' },
        secret: { type: 'string', description: 'webhook HMAC-SHA256 key (>= 16 chars); generated and returned once when absent' },
        enabled: { type: 'boolean' },
      },
    },
  })
  @ApiCreatedResponse({ schema: openApiSchemaOf(alertChannelViewSchema), description: 'The channel; for webhooks with the signing secret, shown only here' })
  create(@ZodBody(channelBody) b: z.infer<typeof channelBody>, @Req() req: AuthenticatedRequest): Promise<ChannelView> {
    return this.alerts.createChannel(b, who(req));
  }

  @Patch(':id')
  @RequireRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } } } })
  @ApiOkJson(alertChannelViewSchema, 'The channel with its new enabled flag')
  setEnabled(@Param('id') id: string, @ZodBody(channelPatch) b: z.infer<typeof channelPatch>): Promise<ChannelView> {
    return this.alerts.setChannelEnabled(id, b.enabled);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  async remove(@Param('id') id: string): Promise<void> {
    await this.alerts.deleteChannel(id);
  }

  @Get(':id/deliveries')
  @RequireRole('admin')
  @ApiOkJsonArray(alertDeliveryViewSchema, 'Delivery log of the channel, newest first')
  deliveries(@Param('id') id: string): Promise<DeliveryView[]> {
    return this.alerts.channelDeliveries(id);
  }
}
