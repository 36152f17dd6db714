import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { WorkerSchedule } from '../jobs/periodic-job';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { JOBS, QUEUES, addJob } from '../jobs/job-registry';

/** Alert evaluation every FLEETTUNE_ALERTS_INTERVAL_SECONDS, and on demand. */
@Injectable()
export class AlertScheduleService extends WorkerSchedule {
  constructor(@InjectQueue(QUEUES.alerts) queue: Queue, @Inject(HUB_CONFIG) config: HubConfig) {
    super(queue, config, {
      schedulerId: 'evaluate-alerts',
      everySeconds: config.FLEETTUNE_ALERTS_INTERVAL_SECONDS,
      job: { name: JOBS.evaluateAlerts.name, data: {} },
      what: 'alert evaluation',
    });
  }

  async enqueue(now?: Date): Promise<string> {
    const job = await addJob(this.queue, 'evaluateAlerts', now ? { now: now.toISOString() } : {}, this.config);
    return job.id!;
  }
}
