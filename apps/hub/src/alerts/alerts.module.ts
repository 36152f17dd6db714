import { Module } from '@nestjs/common';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertDeliveryProcessor, AlertEvaluateProcessor } from './alert-processors';
import { AlertScheduleService } from './alert-schedule.service';
import { AlertChannelsController, AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { AlertRepository } from './alert.repository';
import { AlertChannelRepository } from './alert-channel.repository';
import { AlertDeliveryRepository } from './alert-delivery.repository';
import { AlertEvaluationRepository } from './alert-evaluation.repository';

/**
 * Alerts on newly noisy apps: the detection job (queue `alerts`, scheduled
 * and on demand), deduplicated alerts with acknowledge/resolve/mute, and
 * delivery to webhook / Slack channels (queue `alert-deliveries`, one job
 * per alert event and channel, retried with exponential backoff).
 */
@Module({
  controllers: [AlertsController, AlertChannelsController],
  providers: [
    AlertsService,
    AlertDeliveryService,
    AlertEvaluationService,
    AlertScheduleService,
    AlertEvaluateProcessor,
    AlertDeliveryProcessor,
    AlertRepository,
    AlertChannelRepository,
    AlertDeliveryRepository,
    AlertEvaluationRepository,
  ],
})
export class AlertsModule {}
