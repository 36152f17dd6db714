import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { WorkerSchedule } from '../jobs/periodic-job';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { JOBS, QUEUES, addJob } from '../jobs/job-registry';

/** Exclusion set recompute every FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS, and on demand. */
@Injectable()
export class ExclusionScheduleService extends WorkerSchedule {
  constructor(@InjectQueue(QUEUES.exclusions) queue: Queue, @Inject(HUB_CONFIG) config: HubConfig) {
    super(queue, config, {
      schedulerId: 'recompute-exclusions',
      everySeconds: config.FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS,
      job: { name: JOBS.recomputeExclusions.name },
      what: 'exclusion set recompute',
    });
  }

  async enqueue(): Promise<string> {
    // A job id of its own, not Redis's counter: the set it stores is keyed by it (a retry after a failover
    // finds its version instead of storing a second one), and a counter restarts when Redis loses its data.
    const job = await addJob(this.queue, 'recomputeExclusions', {}, this.config, { jobId: `recompute-${randomUUID()}` });
    return job.id!;
  }
}
