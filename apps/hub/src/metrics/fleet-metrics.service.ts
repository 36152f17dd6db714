import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';
import { MetricsRepository } from './metrics.repository';
import { scrapeCache } from './scrape-cache';

/** How recently a host must have committed a batch to count as active. */
export const ACTIVE_AGENT_WINDOW_SECONDS = 300;

/**
 * Fleet-wide gauges read from PostgreSQL at scrape time (cached a few
 * seconds so frequent scrapes of several replicas stay cheap). Same on every
 * replica: aggregate with max().
 */
@Injectable()
export class FleetMetricsService {
  constructor(repository: MetricsRepository, metrics: MetricsRegistry) {
    const read = scrapeCache(() => repository.hostCounts(ACTIVE_AGENT_WINDOW_SECONDS), 5_000);
    metrics.scrapedGauge('fleettune_hosts', 'Hosts enrolled', async () => (await read()).hosts);
    metrics.scrapedGauge(
      'fleettune_agents_active',
      `Hosts that committed a batch in the last ${ACTIVE_AGENT_WINDOW_SECONDS} s`,
      async () => (await read()).active,
    );
  }
}
