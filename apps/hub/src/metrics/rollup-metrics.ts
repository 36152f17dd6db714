import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';
import { MetricsRepository } from './metrics.repository';
import { scrapeCache } from './scrape-cache';

/**
 * The rollup worker (apps/hub/src/exclusions/activity-rollup.service.ts):
 * what it applied on this process, and how far the rollups trail ingest
 * (read from rollup_pending at scrape time, cached a few seconds; the same
 * on every replica: aggregate with max()).
 */
@Injectable()
export class RollupMetrics {
  readonly batches: Counter;
  readonly stepSeconds: Histogram;
  constructor(repository: MetricsRepository, registry: MetricsRegistry) {
    const read = scrapeCache(() => repository.rollupLag(), 2_000);
    this.batches = registry.counter('fleettune_rollup_batches_total', 'Batches applied to the fleet rollups by this process');
    this.stepSeconds = registry.histogram(
      'fleettune_rollup_step_seconds',
      'Time of one rollup step (one transaction applying up to a step of pending batches)',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    registry.scrapedGauge('fleettune_rollup_pending_batches', 'Committed batches not yet applied to the fleet rollups', async () => (await read()).pending);
    registry.scrapedGauge(
      'fleettune_rollup_lag_seconds',
      'Age of the oldest committed batch not yet applied to the fleet rollups (0 when caught up)',
      async () => (await read()).lagSeconds,
    );
  }

  observeStep(batches: number, seconds: number): void {
    if (batches > 0) this.batches.inc(batches);
    this.stepSeconds.observe(seconds);
  }
}
