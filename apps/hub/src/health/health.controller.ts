import { Controller, Get, HttpCode, Inject, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, parseRedisUrl } from '../jobs/redis-connection';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { HealthRepository } from './health.repository';
import { livenessSchema, readinessSchema } from '@fleettune/api-contract';
import { ApiOkJson } from '../common/api-ok-answer';

type Check = { ok: boolean; error?: string };

async function probe(fn: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)))]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller()
export class HealthController implements OnModuleDestroy {
  private readonly redis: Redis | Cluster;

  constructor(
    private readonly database: HealthRepository,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.redis = createRedisClient(parseRedisUrl(config.REDIS_URL), { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => undefined);
  }

  @Get('healthz')
  @ApiOkJson(livenessSchema, 'The process is up')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HttpCode(200)
  @ApiOkJson(readinessSchema, 'PostgreSQL and Redis are reachable')
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  async readyz(): Promise<{ status: 'ready'; checks: Record<string, Check> }> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect().catch(() => undefined);
    const [postgres, redis] = await Promise.all([probe(() => this.database.ping(), 2_000), probe(() => this.redis.ping(), 2_000)]);
    const checks = { postgres, redis };
    if (!postgres.ok || !redis.ok) throw new ServiceUnavailableException({ status: 'not-ready', checks });
    return { status: 'ready', checks };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
