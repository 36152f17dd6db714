import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';
import { databaseDirectUrl } from '../database/database-urls';
import { maintainPartitions, PartitionMaintenanceReport } from './partition-maintenance.repository';

/**
 * Runs partition maintenance and retention once at start (so today's and the
 * coming days' partitions exist before agents send) and then on an interval.
 * A timer in every replica rather than a BullMQ job: ingest must not depend
 * on Redis, and the run's advisory lock makes concurrent replicas harmless
 * (one works, the others skip).
 */
@Injectable()
export class PartitionMaintenanceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintenanceService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<PartitionMaintenanceReport | undefined>;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  onApplicationBootstrap(): void {
    // Ingest needs the partitions and workers keep retention; an api-only process writes no counts.
    if (!hasRole(this.config, 'ingest') && !hasRole(this.config, 'worker')) return;
    const every = this.config.FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS;
    if (every === 0) {
      this.logger.log('partition maintenance disabled');
      return;
    }
    void this.runLogged();
    this.timer = setInterval(() => void this.runLogged(), every * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run now (runs are never concurrent within a process). */
  run(now = new Date()): Promise<PartitionMaintenanceReport> {
    const prev = this.running ?? Promise.resolve(undefined);
    const next = prev
      .catch(() => undefined)
      .then(() =>
        // Its session advisory lock spans many transactions: not through a transaction-mode pooler.
        maintainPartitions(databaseDirectUrl(this.config), {
          now,
          retentionDays: this.config.FLEETTUNE_RETENTION_DAYS,
          aheadDays: this.config.FLEETTUNE_PARTITION_AHEAD_DAYS,
        }),
      );
    this.running = next;
    return next;
  }

  private async runLogged(): Promise<void> {
    try {
      const r = await this.run();
      if (r.skipped) this.logger.log('partition maintenance: another hub holds the lock, skipped');
      else if (
        r.created.length ||
        r.dropped.length ||
        r.movedRows ||
        r.deletedDefaultRows ||
        r.deletedBatches ||
        Object.values(r.deletedRollupRows).some((n) => n > 0)
      ) {
        const rollups = Object.entries(r.deletedRollupRows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ');
        this.logger.log(
          `partitions: created ${r.created.length}, dropped ${r.dropped.length} (before ${r.cutoff}), ` +
            `moved ${r.movedRows} rows out of default partitions, deleted ${r.deletedDefaultRows} default-partition rows and ${r.deletedBatches} ingest_batches rows; ` +
            `rollup rows deleted: ${rollups}`,
        );
      }
    } catch (err) {
      // Next run retries; ingest keeps working meanwhile (rows land in the default partitions).
      this.logger.error(`partition maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
