import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { ALERTS_CONFIG, ALERTS_QUEUE, ALERT_DELIVERY_QUEUE, loadAlertsConfig } from './alerts-config';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertDeliveryProcessor, AlertEvaluateProcessor } from './alert-processors';
import { AlertScheduleService } from './alert-schedule.service';
import { AlertChannelsController, AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/**
 * Alerts on newly noisy apps: the detection job (queue `alerts`, scheduled
 * and on demand), deduplicated alerts with acknowledge/resolve/mute, and
 * delivery to webhook / Slack channels (queue `alert-deliveries`, one job
 * per alert event and channel, retried with exponential backoff).
 */
@Module({
  imports: [BullModule.registerQueue({ name: ALERTS_QUEUE }, { name: ALERT_DELIVERY_QUEUE })],
  controllers: [AlertsController, AlertChannelsController],
  providers: [
    // Read at start like the hub's own config (FLEETTUNE_ALERTS_*; see alerts-config.ts).
    { provide: ALERTS_CONFIG, useFactory: () => loadAlertsConfig(process.env) },
    AlertsService,
    AlertDeliveryService,
    AlertEvaluationService,
    AlertScheduleService,
    AlertEvaluateProcessor,
    AlertDeliveryProcessor,
  ],
})
export class AlertsModule {}
