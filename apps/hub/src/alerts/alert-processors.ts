import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ALERTS_QUEUE, ALERT_DELIVERY_QUEUE } from './alerts-config';
import { AlertDeliveryService, DeliveryOutcome, cappedBackoff } from './alert-delivery.service';
import { AlertEvaluationService, EvaluationResult } from './alert-evaluation.service';

// One detection at a time: two would race to open the same alerts (the unique open_key would still hold).
@Processor(ALERTS_QUEUE, { concurrency: 1 })
export class AlertEvaluateProcessor extends WorkerHost {
  constructor(private readonly evaluation: AlertEvaluationService) {
    super();
  }

  process(job: Job<{ now?: string }>): Promise<EvaluationResult> {
    const now = job.data?.now ? new Date(job.data.now) : undefined;
    return this.evaluation.evaluate(now && !Number.isNaN(now.getTime()) ? { now } : {});
  }
}

@Processor(ALERT_DELIVERY_QUEUE, { concurrency: 4, settings: { backoffStrategy: cappedBackoff } })
export class AlertDeliveryProcessor extends WorkerHost {
  constructor(private readonly delivery: AlertDeliveryService) {
    super();
  }

  process(job: Job<{ deliveryId: string }>): Promise<DeliveryOutcome> {
    return this.delivery.deliver(job.data.deliveryId, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }
}
