import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';

/**
 * Declares (or removes, for 0 s) a BullMQ job scheduler. It is an upsert, so
 * every hub replica may declare the same scheduler and Redis keeps one. The
 * first run comes one interval after start: a freshly started hub has no new
 * data to act on yet.
 */
export async function applyPeriodicJob(
  queue: Queue,
  schedulerId: string,
  everySeconds: number,
  job: { name: string; data?: object },
  logger: Logger,
  what: string,
): Promise<void> {
  if (everySeconds === 0) {
    await queue.removeJobScheduler(schedulerId);
    logger.log(`scheduled ${what} disabled`);
    return;
  }
  const every = everySeconds * 1000;
  await queue.upsertJobScheduler(schedulerId, { every, startDate: new Date(Date.now() + every) }, { name: job.name, data: job.data ?? {} });
  logger.log(`${what} every ${everySeconds} s`);
}

/** One periodic job: its scheduler id, interval (0: off), the registered job it adds, and what the log calls it. */
export interface PeriodicJob {
  schedulerId: string;
  everySeconds: number;
  job: { name: string; data?: object };
  what: string;
}

/**
 * A queue's schedule, applied at start by worker processes only (a BullMQ job
 * scheduler: one per queue however many processes apply it). Subclasses add
 * their on-demand enqueue.
 */
export abstract class WorkerSchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger(this.constructor.name);

  protected constructor(
    protected readonly queue: Queue,
    protected readonly config: HubConfig,
    private readonly periodic: PeriodicJob,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!hasRole(this.config, 'worker')) return;
    const p = this.periodic;
    await applyPeriodicJob(this.queue, p.schedulerId, p.everySeconds, p.job, this.logger, p.what);
  }
}
