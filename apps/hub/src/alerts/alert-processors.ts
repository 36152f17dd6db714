import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandler, JobPayloads, QUEUES, cappedBackoff, registeredJob } from '../jobs/job-registry';
import { AlertDeliveryService, DeliveryOutcome } from './alert-delivery.service';
import { AlertEvaluationService, EvaluationResult } from './alert-evaluation.service';

// One detection at a time: two would race to open the same alerts (the unique open_key would still hold).
@Processor(QUEUES.alerts, { concurrency: 1 })
export class AlertEvaluateProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['evaluateAlerts'] as const;

  constructor(private readonly evaluation: AlertEvaluationService) {
    super();
  }

  process(job: Job<JobPayloads['evaluateAlerts']>): Promise<EvaluationResult> {
    registeredJob(QUEUES.alerts, job.name, this.handles);
    const now = job.data?.now ? new Date(job.data.now) : undefined;
    return this.evaluation.evaluate(now && !Number.isNaN(now.getTime()) ? { now } : {});
  }
}

@Processor(QUEUES.alertDeliveries, { concurrency: 4, settings: { backoffStrategy: cappedBackoff } })
export class AlertDeliveryProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['deliverAlert'] as const;

  constructor(private readonly delivery: AlertDeliveryService) {
    super();
  }

  process(job: Job<JobPayloads['deliverAlert']>): Promise<DeliveryOutcome> {
    registeredJob(QUEUES.alertDeliveries, job.name, this.handles);
    return this.delivery.deliver(job.data.deliveryId, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }
}
