import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { DiscoveryModule } from '@nestjs/core';
import { JobRegistryCheck } from './job-registry-check';
import { QUEUES } from './job-registry';
import { PartitionMaintenanceService } from './partition-maintenance.service';
import { bullConnection, closeSharedRedisConnections, parseRedisUrl, queuePrefixFor } from './redis-connection';
import { WorkerRoleRegistrar } from './worker-role-registrar';

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [HUB_CONFIG],
      // Workers start in WorkerRoleRegistrar, only where FLEETTUNE_ROLES has `worker`.
      extraOptions: { manualRegistration: true },
      useFactory: (config: HubConfig) => {
        const topology = parseRedisUrl(config.REDIS_URL);
        return {
          connection: bullConnection(topology),
          prefix: queuePrefixFor(topology, config.FLEETTUNE_QUEUE_PREFIX),
          defaultJobOptions: {
            attempts: 5,
            backoff: { type: 'exponential', delay: 2_000 },
            removeOnComplete: { count: 200 },
            removeOnFail: { count: 500 },
          },
        };
      },
    }),
    // Every queue of the registry, registered once for the whole app.
    BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
  ],
  providers: [PartitionMaintenanceService, JobRegistryCheck, WorkerRoleRegistrar],
  exports: [BullModule, PartitionMaintenanceService],
})
export class JobsModule implements OnApplicationShutdown {
  /** A Cluster client is shared by every queue and worker (bullConnection): closed once, after them. */
  async onApplicationShutdown(): Promise<void> {
    await closeSharedRedisConnections();
  }
}
