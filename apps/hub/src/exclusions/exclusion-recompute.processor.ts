import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { EXCLUSIONS_QUEUE } from '../jobs/jobs.module';
import { ExclusionRecomputeService, RecomputeResult } from './exclusion-recompute.service';

// One at a time: two recomputes at once would only race to the same answer.
@Processor(EXCLUSIONS_QUEUE, { concurrency: 1 })
export class ExclusionRecomputeProcessor extends WorkerHost {
  constructor(private readonly recompute: ExclusionRecomputeService) {
    super();
  }

  process(job: Job): Promise<RecomputeResult> {
    return this.recompute.recompute(job.id);
  }
}
