import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HubConfig } from '../config/hub-config';
import { parseRedisUrl } from './redis-connection';

const logger = new Logger('RedisReplication');

/** Replicas the master reports as connected (`INFO replication`), 0 when it cannot say. */
function connectedReplicas(info: string): number {
  const m = /^connected_slaves:(\d+)/m.exec(info);
  return m ? Number(m[1]) : 0;
}

/**
 * Redis replicates asynchronously: a job the master accepted and lost in a
 * failover before any replica had it is gone, although the hub already
 * answered "queued". Redis WAIT on the connection that wrote the job blocks
 * until that many replicas acknowledged every write before it
 * (https://redis.io/docs/latest/commands/wait/), which closes that window for
 * a Sentinel group. It is asked of min(wanted, connected replicas), so a
 * replica that is down costs a warning, never a hub that stops queuing.
 *
 * Not on a Cluster: WAIT there goes to whichever node the client picks, not
 * the one that took the job, so it would prove nothing.
 */
export async function waitForRedisReplicas(queue: Queue, config: HubConfig): Promise<void> {
  const topology = parseRedisUrl(config.REDIS_URL);
  if (topology.kind === 'cluster') return;
  const wanted = config.FLEETTUNE_REDIS_WAIT_REPLICAS ?? (topology.kind === 'sentinel' ? 1 : 0);
  if (wanted === 0) return;
  // The connection that wrote the job: WAIT counts that connection's writes.
  const client = (await queue.client) as unknown as Redis;
  const replicas = Math.min(wanted, connectedReplicas(await client.info('replication')));
  if (replicas === 0) {
    logger.warn(`no Redis replica is connected: a queued ${queue.name} job is on the master only until one is`);
    return;
  }
  const acked = await client.wait(replicas, config.FLEETTUNE_REDIS_WAIT_TIMEOUT_MS);
  if (acked < replicas) {
    logger.warn(
      `a queued ${queue.name} job reached ${acked} of ${replicas} Redis replicas within ${config.FLEETTUNE_REDIS_WAIT_TIMEOUT_MS} ms; ` +
        'a master failover now could lose it',
    );
  }
}
