import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PooledPrismaClient } from './pooled-prisma-client';

/**
 * The ingest path's own connection pool (FLEETTUNE_INGEST_DB_POOL_SIZE). Batch
 * transactions may wait up to a minute for a connection under a flood; on the
 * shared pool that wait starved REST authentication and dashboard reads
 * (issue 13 item 7). Here a flood only queues behind other batches.
 */
@Injectable()
export class IngestPrismaService extends PooledPrismaClient {
  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    super(config.DATABASE_URL, config.FLEETTUNE_INGEST_DB_POOL_SIZE);
  }
}
