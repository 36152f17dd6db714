import { databaseProblem } from './database/database-preflight';
import { createRedisClient, parseRedisUrl, redactRedisUrl } from './jobs/redis-connection';
import { HubConfig } from './config/hub-config';

const START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * Checks the hub's dependencies before Nest starts, so a missing server or
 * an unmigrated database is one clear sentence instead of a retry loop.
 */
export async function preflight(config: HubConfig): Promise<string[]> {
  const problems: string[] = [];
  if (!config.FLEETTUNE_SECRETS_KEY) {
    problems.push(
      'FLEETTUNE_SECRETS_KEY is not set: it encrypts stored webhook secrets and Slack URLs; generate one with `openssl rand -base64 32` and keep it outside the database (docs/security.md section 7)',
    );
  }
  const dbProblem = await databaseProblem(config.DATABASE_URL, redact(config.DATABASE_URL));
  if (dbProblem) problems.push(dbProblem);
  const redis = createRedisClient(parseRedisUrl(config.REDIS_URL), {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(
      `Redis at ${redactRedisUrl(config.REDIS_URL)} is unreachable (${err instanceof Error ? err.message : String(err)}); start it with: ${START_REDIS}`,
    );
  } finally {
    redis.disconnect();
  }
  return problems;
}
