import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobHandler, QUEUES, registeredJob } from '../jobs/job-registry';
import { ExclusionRecomputeService, RecomputeResult } from './exclusion-recompute.service';

// One at a time: two recomputes at once would only race to the same answer.
// The engine runs in a worker thread (recompute-worker-runner.ts), so this
// process keeps renewing the job lock; the long lock is a second line of
// defence for a hub that is starved of CPU for a while.
@Processor(QUEUES.exclusions, { concurrency: 1, lockDuration: 10 * 60_000, stalledInterval: 60_000 })
export class ExclusionRecomputeProcessor extends WorkerHost implements JobHandler {
  readonly handles = ['recomputeExclusions'] as const;

  constructor(private readonly recompute: ExclusionRecomputeService) {
    super();
  }

  process(job: Job): Promise<RecomputeResult> {
    registeredJob(QUEUES.exclusions, job.name, this.handles);
    return this.recompute.recompute(job.id);
  }
}
