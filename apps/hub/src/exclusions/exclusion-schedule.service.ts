import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { applyPeriodicJob } from '../jobs/periodic-job';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';
import { JOBS, QUEUES, addJob } from '../jobs/job-registry';

const SCHEDULER_ID = 'recompute-exclusions';

@Injectable()
export class ExclusionScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExclusionScheduleService.name);

  constructor(
    @InjectQueue(QUEUES.exclusions) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Worker processes own the schedule (a BullMQ job scheduler: one per queue however many processes apply it). */
  async onApplicationBootstrap(): Promise<void> {
    if (!hasRole(this.config, 'worker')) return;
    await applyPeriodicJob(
      this.queue,
      SCHEDULER_ID,
      this.config.FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS,
      { name: JOBS.recomputeExclusions.name },
      this.logger,
      'exclusion set recompute',
    );
  }

  async enqueue(): Promise<string> {
    // A job id of its own, not Redis's counter: the set it stores is keyed by it (a retry after a failover
    // finds its version instead of storing a second one), and a counter restarts when Redis loses its data.
    const job = await addJob(this.queue, 'recomputeExclusions', {}, this.config, { jobId: `recompute-${randomUUID()}` });
    return job.id!;
  }
}
