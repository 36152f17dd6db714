import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PartitionMaintenanceService } from './partition-maintenance.service';
import { redisOptionsFromUrl } from './redis-connection';

export const EXCLUSIONS_QUEUE = 'exclusions';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => ({
        connection: redisOptionsFromUrl(config.REDIS_URL),
        prefix: config.FLEETTUNE_QUEUE_PREFIX,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 2_000 },
          removeOnComplete: { count: 200 },
          removeOnFail: { count: 500 },
        },
      }),
    }),
    BullModule.registerQueue({ name: EXCLUSIONS_QUEUE }),
  ],
  providers: [PartitionMaintenanceService],
  exports: [BullModule, PartitionMaintenanceService],
})
export class JobsModule {}
