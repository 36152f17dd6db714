import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandler, JobPayloads, QUEUES, registeredJob } from '../jobs/job-registry';
import { PolicyDeliveryService } from './policy-delivery.service';
import { PolicyPushRecoveryService } from './policy-push-recovery.service';
import { PolicyDriftCheckService } from './policy-drift-check.service';

/**
 * Delivers one push per job (PolicyDeliveryService; BullMQ retries what throws), and runs the
 * periodic recovery of pushes whose job Redis lost (PolicyPushRecoveryService) and drift check of
 * console targets (PolicyDriftCheckService).
 */
@Processor(QUEUES.policyPush, { concurrency: 4 })
export class PolicyPushProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['deliverPolicyPush', 'recoverPolicyPushes', 'checkPolicyDrift'] as const;

  constructor(
    private readonly delivery: PolicyDeliveryService,
    private readonly recovery: PolicyPushRecoveryService,
    private readonly driftCheck: PolicyDriftCheckService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    const id = registeredJob(QUEUES.policyPush, job.name, this.handles);
    if (id === 'recoverPolicyPushes') return this.recovery.recoverLost((job.data as JobPayloads['recoverPolicyPushes']).minAgeMs);
    if (id === 'checkPolicyDrift') return this.driftCheck.checkAll();
    const data = job.data as JobPayloads['deliverPolicyPush'];
    return this.delivery.deliver(data.pushId, data.body, job.attemptsMade + 1, job.opts.attempts ?? 1);
  }
}
