import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { applyPeriodicJob } from '../jobs/periodic-job';
import { ALERTS_CONFIG, ALERTS_QUEUE, AlertsConfig } from './alerts-config';

export const EVALUATE_JOB = 'evaluate';
const SCHEDULER_ID = 'evaluate-alerts';

@Injectable()
export class AlertScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertScheduleService.name);

  constructor(
    @InjectQueue(ALERTS_QUEUE) private readonly queue: Queue,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await applyPeriodicJob(this.queue, SCHEDULER_ID, this.config.FLEETTUNE_ALERTS_INTERVAL_SECONDS, { name: EVALUATE_JOB, data: {} }, this.logger, 'alert evaluation');
  }

  async enqueue(now?: Date): Promise<string> {
    const job = await this.queue.add(EVALUATE_JOB, now ? { now: now.toISOString() } : {}, { attempts: 3 });
    return job.id!;
  }
}
