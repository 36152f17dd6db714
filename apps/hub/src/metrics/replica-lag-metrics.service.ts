import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';
import { ReplicaLagRepository } from './replica-lag.repository';

/**
 * Issue 17: the read replica's state on /metrics, read from the replica at
 * scrape time (cached a second). Only when DATABASE_READ_URL is set. An
 * unreachable replica shows as fleettune_db_replica_up 0 and a lag of NaN
 * (unknown: an old figure or 0 would look healthy); the scrape itself never fails.
 */
@Injectable()
export class ReplicaLagMetricsService {
  constructor(repository: ReplicaLagRepository, metrics: MetricsRegistry) {
    if (!repository.configured) return;
    // repository.lag() is the reading read routing uses too, at most a second old.
    const read = () => repository.lag().catch(() => undefined);
    metrics.scrapedGauge('fleettune_db_replica_up', 'The read replica (DATABASE_READ_URL) answered and is a standby in recovery (1) or not (0)', async () =>
      (await read())?.inRecovery ? 1 : 0,
    );
    metrics.scrapedGauge(
      'fleettune_db_replica_lag_seconds',
      'Seconds the read replica is behind the primary: now() - pg_last_xact_replay_timestamp() while WAL waits to be replayed, else 0',
      async () => (await read())?.lagSeconds ?? NaN,
    );
    metrics.scrapedGauge(
      'fleettune_db_replica_replay_backlog_bytes',
      'WAL the read replica received and has not replayed yet, bytes',
      async () => (await read())?.replayBacklogBytes ?? NaN,
    );
    metrics.scrapedCounter(
      'fleettune_db_replica_fallback_reads_total',
      'Dashboard reads the read replica failed (down, recovery conflict) and the primary served instead',
      () => repository.fallbackReads,
    );
    metrics.scrapedCounter(
      'fleettune_db_replica_lagging_reads_total',
      'Dashboard reads the primary served because the read replica lagged more than FLEETTUNE_DB_READ_MAX_LAG_SECONDS',
      () => repository.laggingReads,
    );
  }
}
