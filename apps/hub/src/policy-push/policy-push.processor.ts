import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandler, JobPayloads, QUEUES, registeredJob } from '../jobs/job-registry';
import { PolicyDeliveryService } from './policy-delivery.service';
import { PolicyPushRecoveryService } from './policy-push-recovery.service';

/**
 * Delivers one push per job (PolicyDeliveryService; BullMQ retries what throws), and runs the
 * periodic recovery of pushes whose job Redis lost (PolicyPushRecoveryService).
 */
@Processor(QUEUES.policyPush, { concurrency: 4 })
export class PolicyPushProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['deliverPolicyPush', 'recoverPolicyPushes'] as const;

  constructor(
    private readonly delivery: PolicyDeliveryService,
    private readonly recovery: PolicyPushRecoveryService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    if (registeredJob(QUEUES.policyPush, job.name, this.handles) === 'recoverPolicyPushes')
      return this.recovery.recoverLost((job.data as JobPayloads['recoverPolicyPushes']).minAgeMs);
    const data = job.data as JobPayloads['deliverPolicyPush'];
    return this.delivery.deliver(data.pushId, data.body, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }
}
