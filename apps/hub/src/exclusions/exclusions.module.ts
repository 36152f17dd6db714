import { Module } from '@nestjs/common';
import { ExclusionRecomputeProcessor } from './exclusion-recompute.processor';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { ExclusionScheduleService } from './exclusion-schedule.service';
import { ExclusionSetsService } from './exclusion-sets.service';
import { ExclusionsController } from './exclusions.controller';

@Module({
  controllers: [ExclusionsController],
  providers: [ExclusionRecomputeService, ExclusionRecomputeProcessor, ExclusionScheduleService, ExclusionSetsService],
})
export class ExclusionsModule {}
