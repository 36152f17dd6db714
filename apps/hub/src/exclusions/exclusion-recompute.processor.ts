import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { EXCLUSIONS_QUEUE } from '../jobs/jobs.module';
import { ExclusionRecomputeService, RecomputeResult } from './exclusion-recompute.service';

// One at a time: two recomputes at once would only race to the same answer.
// The engine runs in a worker thread (recompute-worker-runner.ts), so this
// process keeps renewing the job lock; the long lock is a second line of
// defence for a hub that is starved of CPU for a while.
@Processor(EXCLUSIONS_QUEUE, { concurrency: 1, lockDuration: 10 * 60_000, stalledInterval: 60_000 })
export class ExclusionRecomputeProcessor extends WorkerHost {
  constructor(private readonly recompute: ExclusionRecomputeService) {
    super();
  }

  process(job: Job): Promise<RecomputeResult> {
    return this.recompute.recompute(job.id);
  }
}
