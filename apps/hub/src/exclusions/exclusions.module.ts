import { Module } from '@nestjs/common';
import { ExclusionRecomputeProcessor } from './exclusion-recompute.processor';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { ExclusionScheduleService } from './exclusion-schedule.service';
import { ExclusionSetsService } from './exclusion-sets.service';
import { ExclusionsController } from './exclusions.controller';
import { ActivityRollupModule } from './activity-rollup.service';
import { ExclusionDecisionsService } from './exclusion-decisions.service';
import { ExclusionItemsController } from './exclusion-items.controller';
import { ExclusionDecisionRepository } from './exclusion-decision.repository';
import { ExclusionSetRepository } from './exclusion-set.repository';

@Module({
  imports: [ActivityRollupModule],
  controllers: [ExclusionsController, ExclusionItemsController],
  providers: [
    ExclusionRecomputeService,
    ExclusionRecomputeProcessor,
    ExclusionScheduleService,
    ExclusionSetsService,
    ExclusionDecisionsService,
    ExclusionSetRepository,
    ExclusionDecisionRepository,
  ],
  exports: [ExclusionSetsService, ExclusionDecisionsService],
})
export class ExclusionsModule {}
