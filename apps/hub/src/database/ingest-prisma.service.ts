import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';

/**
 * The ingest path's own connection pool (FLEETTUNE_INGEST_DB_POOL_SIZE). Batch
 * transactions may wait up to a minute for a connection under a flood; on the
 * shared pool that wait starved REST authentication and dashboard reads
 * (issue 13 item 7). Here a flood only queues behind other batches.
 */
@Injectable()
export class IngestPrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL, max: config.FLEETTUNE_INGEST_DB_POOL_SIZE }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
