import { OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

/**
 * A Prisma client on its own pg pool of at most `max` connections, closed
 * with the Nest module. The pool size bounds this replica's share of
 * PostgreSQL's max_connections; busy callers wait for a connection
 * (back-pressure) rather than opening more.
 *
 * No statementNameGenerator (issue 17): the adapter then sends unnamed statements (Parse, Bind, Execute
 * and Sync together), which work through PgBouncer in transaction mode even before 1.21's
 * max_prepared_statements (Debian 12 ships 1.18); named ones would reach a server connection that never
 * prepared them ("prepared statement does not exist").
 */
export abstract class PooledPrismaClient extends PrismaClient implements OnModuleDestroy {
  protected constructor(connectionString: string, max: number) {
    super({ adapter: new PrismaPg({ connectionString, max }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
