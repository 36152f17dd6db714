import { createHash } from 'node:crypto';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { loadHubConfig } from '../config/hub-config';
import { RunningHub, startHub } from '../hub-app';

/**
 * For integration specs: a freshly migrated database of its own and a hub on
 * free ports with quiet logs, no scheduled jobs and a private queue prefix.
 * `env` adds or overrides hub settings.
 */
export async function startTestHub(name: string, env: Record<string, string> = {}): Promise<{ db: TestDatabase; hub: RunningHub }> {
  const db = await createMigratedTestDatabase(name);
  try {
    return { db, hub: await startTestHubReplica(db, name, env) };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/**
 * One more hub over an existing test database (issue 17: hub replicas): the
 * same settings, queue prefix and secrets key as startTestHub's, its own free ports.
 */
export function startTestHubReplica(db: TestDatabase, name: string, env: Record<string, string> = {}): Promise<RunningHub> {
  return startHub(
    loadHubConfig({
      DATABASE_URL: db.url,
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      FLEETTUNE_QUEUE_PREFIX: `${name.replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`,
      FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
      FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'silent',
      // Specs run their webhook receivers on 127.0.0.1; every other internal address stays refused.
      FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '127.0.0.1',
      // Derived from the (throw-away) database, so a spec that restarts a hub over it keeps its tokens and secrets.
      FLEETTUNE_SECRETS_KEY: createHash('sha256').update(`fleettune throw-away secrets key\0${db.url}`).digest('base64'),
      ...env,
    }),
  );
}
