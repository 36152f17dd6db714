import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandler, JobPayloads, QUEUES, registeredJob } from '../jobs/job-registry';
import { PolicyDeliveryService } from './policy-delivery.service';

/** Delivers one webhook push per job (PolicyDeliveryService); BullMQ retries what throws. */
@Processor(QUEUES.policyPush, { concurrency: 4 })
export class PolicyPushProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['deliverPolicyPush'] as const;

  constructor(private readonly delivery: PolicyDeliveryService) {
    super();
  }

  process(job: Job<JobPayloads['deliverPolicyPush']>): Promise<{ status: string; statusCode?: number }> {
    registeredJob(QUEUES.policyPush, job.name, this.handles);
    return this.delivery.deliver(job.data.pushId, job.data.body, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }
}
