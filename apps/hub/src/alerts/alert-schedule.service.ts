import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { applyPeriodicJob } from '../jobs/periodic-job';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';
import { JOBS, QUEUES, addJob } from '../jobs/job-registry';

const SCHEDULER_ID = 'evaluate-alerts';

@Injectable()
export class AlertScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertScheduleService.name);

  constructor(
    @InjectQueue(QUEUES.alerts) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Worker processes own the schedule (a BullMQ job scheduler: one per queue however many processes apply it). */
  async onApplicationBootstrap(): Promise<void> {
    if (!hasRole(this.config, 'worker')) return;
    await applyPeriodicJob(
      this.queue,
      SCHEDULER_ID,
      this.config.FLEETTUNE_ALERTS_INTERVAL_SECONDS,
      { name: JOBS.evaluateAlerts.name, data: {} },
      this.logger,
      'alert evaluation',
    );
  }

  async enqueue(now?: Date): Promise<string> {
    const job = await addJob(this.queue, 'evaluateAlerts', now ? { now: now.toISOString() } : {}, this.config);
    return job.id!;
  }
}
