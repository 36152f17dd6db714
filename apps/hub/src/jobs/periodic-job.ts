import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';

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
