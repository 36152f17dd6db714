import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { addJob, JobId, JobPayloads, JOBS } from '../jobs/job-registry';

/**
 * Queues a registered job on a running test hub and waits for its worker to finish it, as the
 * scheduler would run it (through Redis and the processor, not by calling the service); its return value.
 */
export async function runJobToEnd<K extends JobId>(app: INestApplication, job: K, data: JobPayloads[K], timeoutMs = 30_000): Promise<unknown> {
  const queue = app.get<Queue>(getQueueToken(JOBS[job].queue));
  const events = new QueueEvents(queue.name, { connection: queue.opts.connection, prefix: queue.opts.prefix });
  try {
    await events.waitUntilReady();
    const added = await addJob(queue, job, data, app.get<HubConfig>(HUB_CONFIG));
    return await added.waitUntilFinished(events, timeoutMs);
  } finally {
    await events.close();
  }
}
