import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { JOBS, QUEUES, addJob } from '../jobs/job-registry';
import { WorkerSchedule } from '../jobs/periodic-job';
import { PolicyPushRepository } from './policy-push.repository';

/** A push younger than this may be between its row and its job (queuePush writes the row first). */
export const RECOVERY_MIN_AGE_MS = 60_000;
/** Pushes looked at per run; the rest wait for the next run. */
const RECOVERY_BATCH = 500;

export interface PushRecoveryResult {
  /** Waiting pushes looked at. */
  checked: number;
  /** Pushes whose job was gone, queued again with their kept body. */
  requeued: string[];
  /** Pushes whose job was gone and whose body was never kept (queued before bodies were): marked failed. */
  failed: string[];
}

/**
 * A push's delivery job lives only in Redis. When Redis loses it (restarted
 * without persistence, a failover to a replica the job had not reached), the
 * push row would say "queued" forever and the approved set would never reach
 * the console. Every FLEETTUNE_POLICY_PUSH_RECOVER_SECONDS a worker finds the
 * waiting pushes without a job and queues them again, under the same job id
 * (a second recovery, on another replica, adds nothing) and with the exact
 * body kept on the row, so a recovered delivery is the one that was approved.
 * Delivery is idempotent on the push (a delivered push is not sent again).
 */
@Injectable()
export class PolicyPushRecoveryService extends WorkerSchedule {
  private readonly log = new Logger(PolicyPushRecoveryService.name);

  constructor(
    @InjectQueue(QUEUES.policyPush) queue: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly pushes: PolicyPushRepository,
  ) {
    super(queue, config, {
      schedulerId: 'recover-policy-pushes',
      everySeconds: config.FLEETTUNE_POLICY_PUSH_RECOVER_SECONDS,
      job: { name: JOBS.recoverPolicyPushes.name, data: {} },
      what: 'recovery of policy pushes whose delivery job Redis lost',
    });
  }

  async recoverLost(minAgeMs = RECOVERY_MIN_AGE_MS): Promise<PushRecoveryResult> {
    const waiting = await this.pushes.undeliveredBefore(new Date(Date.now() - minAgeMs), RECOVERY_BATCH);
    const result: PushRecoveryResult = { checked: waiting.length, requeued: [], failed: [] };
    for (const push of waiting) {
      if (await this.queue.getJob(push.id)) continue; // waiting, delayed for a retry, or running
      if (push.body === null) {
        await this.pushes.recordOutcome(push.id, {
          status: 'failed',
          lastError: 'its delivery job was lost by Redis and this push predates kept bodies: push the set again',
        });
        result.failed.push(push.id);
        continue;
      }
      await addJob(this.queue, 'deliverPolicyPush', { pushId: push.id, body: push.body }, this.config, { jobId: push.id });
      result.requeued.push(push.id);
    }
    if (result.requeued.length || result.failed.length)
      this.log.warn(
        `policy pushes whose delivery job Redis lost: ${result.requeued.length} queued again` +
          (result.failed.length ? `, ${result.failed.length} marked failed (no kept body)` : ''),
      );
    return result;
  }
}
