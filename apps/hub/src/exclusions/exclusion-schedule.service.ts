import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { EXCLUSIONS_QUEUE } from '../jobs/jobs.module';

export const RECOMPUTE_JOB = 'recompute';
const SCHEDULER_ID = 'recompute-exclusions';

@Injectable()
export class ExclusionScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ExclusionScheduleService.name);

  constructor(
    @InjectQueue(EXCLUSIONS_QUEUE) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const seconds = this.config.FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS;
    if (seconds === 0) {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
      this.logger.log('scheduled recompute disabled');
      return;
    }
    // Upsert: every hub replica declares the same scheduler, Redis keeps one.
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: seconds * 1000 }, { name: RECOMPUTE_JOB });
    this.logger.log(`exclusion set recomputed every ${seconds} s`);
  }

  async enqueue(): Promise<string> {
    const job = await this.queue.add(RECOMPUTE_JOB, {});
    return job.id!;
  }
}
