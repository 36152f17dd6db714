import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PooledPrismaClient } from './pooled-prisma-client';

/** The hub's main connection pool (FLEETTUNE_DB_POOL_SIZE): REST, jobs, rollups. */
@Injectable()
export class PrismaService extends PooledPrismaClient {
  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    super(config.DATABASE_URL, config.FLEETTUNE_DB_POOL_SIZE);
  }
}
