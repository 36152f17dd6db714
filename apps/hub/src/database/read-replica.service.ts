import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { isTransientDatabaseError } from '../ingest/grpc-error';
import { PrismaService } from './prisma.service';

/**
 * Where the dashboard's heavy read views run (issue 17): a pool on the
 * streaming replica of DATABASE_READ_URL when it is set, else the primary's
 * own pool. Only views that may be a moment behind come here (noise, trends,
 * the hosts page, cost); anything that must see its own writes (token and
 * secret lookups, exclusion approvals, the host a request just changed, jobs)
 * keeps using PrismaService. docs/scaling.md lists which reads go where.
 *
 * A replica that cannot answer (down, restarting, a query cancelled by a
 * recovery conflict: SQLSTATE 40001) is read around: the same read runs on
 * the primary, counted in fleettune_db_replica_fallback_reads_total, so a lost
 * replica slows the dashboard's reads onto the primary instead of failing them.
 */
@Injectable()
export class ReadReplicaService implements OnModuleDestroy {
  private readonly logger = new Logger(ReadReplicaService.name);
  /** The replica's own client; undefined when DATABASE_READ_URL is not set. */
  readonly replica: PrismaClient | undefined;
  /** Reads that went to the primary because the replica failed them. */
  fallbackReads = 0;

  constructor(
    private readonly primary: PrismaService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    if (config.DATABASE_READ_URL) {
      this.replica = new PrismaClient({
        adapter: new PrismaPg({ connectionString: config.DATABASE_READ_URL, max: config.FLEETTUNE_DB_READ_POOL_SIZE, application_name: 'fleettune-hub-reads' }),
      });
    }
  }

  /** Runs a read on the replica (the primary when there is none, or when the replica fails it). */
  async read<T>(query: (db: PrismaClient) => Promise<T>): Promise<T> {
    if (!this.replica) return query(this.primary);
    try {
      return await query(this.replica);
    } catch (err) {
      if (!isTransientDatabaseError(err)) throw err;
      this.fallbackReads++;
      this.logger.warn(`read replica failed a read, served by the primary: ${err instanceof Error ? err.message.split('\n').pop() : String(err)}`);
      return query(this.primary);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.replica?.$disconnect();
  }
}
