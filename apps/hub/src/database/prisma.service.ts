import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  // The pool size bounds this replica's share of PostgreSQL's max_connections;
  // busy batches wait for a connection (back-pressure) rather than opening more.
  // No statementNameGenerator (issue 17): the adapter then sends unnamed statements (Parse, Bind, Execute
  // and Sync together), which work through PgBouncer in transaction mode even before 1.21's
  // max_prepared_statements (Debian 12 ships 1.18); named ones would reach a server connection that never
  // prepared them ("prepared statement does not exist").
  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.DATABASE_URL, max: config.FLEETTUNE_DB_POOL_SIZE }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
