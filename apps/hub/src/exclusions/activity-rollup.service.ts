import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';
import { RollupMetrics } from '../metrics/rollup-metrics';
import { ActivityRollupRepository } from './activity-rollup.repository';

export { NOISE_BIN_SECONDS, ROLLUP_BIN_SECONDS } from './rollup-apply-sql';

/**
 * The rollup worker. Ingest commits a batch's raw counts plus one
 * rollup_pending row (fast, no shared rows touched); this worker applies all
 * pending batches set-based, a step at a time, each step ONE transaction that
 * also deletes the batches' pending rows: a batch is rolled up exactly once,
 * and a duplicate batch (never committed) never at all. An advisory lock
 * keeps replicas from applying at the same time. It maintains:
 *
 * - activity_rollups (+ activity_subjects, rollup_hosts): the exclusion
 *   engine's per subject / host / 20-minute bin count and peak window
 *   (read by fleet-activity.repository.ts; meaning unchanged);
 * - noise_fleet_hours, noise_host_hours, noise_host_bits (+ noise_subjects):
 *   the dashboard's hourly rollups of every noise kind (apps/hub/src/fleet).
 *
 * Readers that need everything ingested so far call {@link catchUp} first.
 */
@Injectable()
export class ActivityRollupService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ActivityRollupService.name);
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;

  private readonly intervalMs: number;
  private readonly busyIntervalMs: number;
  private readonly batchesPerStep: number;

  constructor(
    private readonly rollups: ActivityRollupRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() private readonly metrics?: RollupMetrics,
  ) {
    this.intervalMs = config.FLEETTUNE_ROLLUP_INTERVAL_MS;
    this.busyIntervalMs = config.FLEETTUNE_ROLLUP_BUSY_INTERVAL_MS;
    this.batchesPerStep = config.FLEETTUNE_ROLLUP_BATCHES_PER_STEP;
  }

  /** The loop runs in `worker` processes; catchUp() works anywhere (readers that must see every batch). */
  onApplicationBootstrap(): void {
    if (this.intervalMs > 0 && hasRole(this.config, 'worker')) this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop?.catch(() => undefined);
  }

  /**
   * Idle, the worker polls every FLEETTUNE_ROLLUP_INTERVAL_MS; after a round that found
   * work it looks again after FLEETTUNE_ROLLUP_BUSY_INTERVAL_MS (batches are arriving:
   * a full interval would add that much to every batch's lag). Within a round
   * it steps without pause until a step finds nothing.
   */
  private schedule(delayMs = this.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let next = this.intervalMs;
      this.loop = this.drain(false)
        .then((n) => {
          if (n > 0) next = Math.min(this.busyIntervalMs, this.intervalMs);
        })
        .catch((err: unknown) => this.logger.warn(`rollup step failed (retried next round): ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.schedule(next));
    }, delayMs);
    this.timer.unref?.();
  }

  /**
   * Applies every batch committed before the call (and any committed while
   * it runs), waiting for another replica's step if one holds the lock.
   * Returns the number of batches this call applied.
   */
  async catchUp(): Promise<number> {
    return this.drain(true);
  }

  private async drain(wait: boolean): Promise<number> {
    let total = 0;
    while (!this.stopped || wait) {
      const n = await this.step(wait);
      if (n <= 0) break;
      total += n;
    }
    return total;
  }

  /**
   * One transaction (ActivityRollupRepository): takes up to FLEETTUNE_ROLLUP_BATCHES_PER_STEP
   * pending batches and applies them to every rollup. Returns the batches applied, or -1 when
   * another process holds the lock and `wait` is false.
   */
  async step(wait = true, maxBatches = this.batchesPerStep): Promise<number> {
    const started = process.hrtime.bigint();
    const n = await this.rollups.applyPendingStep(wait, maxBatches);
    if (n >= 0) this.metrics?.observeStep(n, Number(process.hrtime.bigint() - started) / 1e9);
    return n;
  }
}

/** Global, so ingest, fleet and exclusions can reach the worker without importing each other's modules. */
@Global()
@Module({ providers: [ActivityRollupService, ActivityRollupRepository], exports: [ActivityRollupService] })
export class ActivityRollupModule {}
