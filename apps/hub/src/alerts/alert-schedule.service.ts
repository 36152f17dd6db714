import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
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
    const seconds = this.config.FLEETTUNE_ALERTS_INTERVAL_SECONDS;
    if (seconds === 0) {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
      this.logger.log('scheduled alert evaluation disabled');
      return;
    }
    // Upsert: every hub replica declares the same scheduler, Redis keeps one.
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: seconds * 1000 }, { name: EVALUATE_JOB, data: {} });
    this.logger.log(`alerts evaluated every ${seconds} s`);
  }

  async enqueue(now?: Date): Promise<string> {
    const job = await this.queue.add(EVALUATE_JOB, now ? { now: now.toISOString() } : {}, { attempts: 3 });
    return job.id!;
  }
}
