import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';
import { AgentStatusFigures, MetricsRepository } from './metrics.repository';
import { scrapeCache } from './scrape-cache';

const GAUGES: Array<[name: string, help: string, key: keyof AgentStatusFigures]> = [
  ['fleettune_agents_reporting_status', 'Hosts whose agent has reported its spool/watchdog status', 'reporting'],
  ['fleettune_agents_degraded', 'Hosts whose agent last reported a watchdog degrade level > 0 or paused sources', 'degraded'],
  ['fleettune_agent_spool_pending_batches', 'Unacknowledged batches in agent spools, summed over hosts as last reported', 'pendingSum'],
  ['fleettune_agent_spool_pending_batches_max', 'Largest spool backlog (batches) one agent last reported', 'pendingMax'],
  ['fleettune_agent_spool_bytes', 'Bytes in agent spools, summed over hosts as last reported', 'bytesSum'],
  ['fleettune_agent_spool_bytes_max', 'Largest spool (bytes) one agent last reported', 'bytesMax'],
  ['fleettune_agent_dropped_batches', "Batches agents dropped at their spool bound, summed over hosts (each agent's running total)", 'droppedBatches'],
  ['fleettune_agent_dropped_events', 'Events in the batches agents dropped at their spool bound, summed over hosts', 'droppedEvents'],
  ['fleettune_agent_merged_batches', 'Spooled batches agents merged into coarser ones, summed over hosts', 'merged'],
  ['fleettune_agent_rejected_batches', 'Batches the hub refused (INVALID_ARGUMENT) and agents set aside, summed over hosts', 'rejected'],
];

/**
 * Issue 8: what agents report about themselves (AgentStatus on each batch,
 * stored per host by the ingest statement) as fleet gauges, computed at
 * scrape time with one aggregate over host_agent_status (a row per host),
 * cached a few seconds like FleetMetricsService. Same on every replica:
 * aggregate with max().
 */
@Injectable()
export class AgentStatusMetricsService {
  constructor(repository: MetricsRepository, metrics: MetricsRegistry) {
    const read = scrapeCache(async () => {
      const row = await repository.agentStatusFigures();
      const out = {} as AgentStatusFigures;
      for (const [, , key] of GAUGES) out[key] = Number(row?.[key] ?? 0);
      return out;
    }, 5_000);
    for (const [name, help, key] of GAUGES) metrics.scrapedGauge(name, help, async () => (await read())[key]);
  }
}
