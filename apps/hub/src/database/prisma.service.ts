import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  // The pool size bounds this replica's share of PostgreSQL's max_connections;
  // busy batches wait for a connection (back-pressure) rather than opening more.
  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL, max: config.FLEETTUNE_DB_POOL_SIZE }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
