import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { MetricsRegistry } from './metrics-registry';

/** Fleet aggregates of host_agent_status (one row per host: its latest report). */
interface AgentStatusFigures {
  reporting: number;
  degraded: number;
  pendingSum: number;
  pendingMax: number;
  bytesSum: number;
  bytesMax: number;
  droppedBatches: number;
  droppedEvents: number;
  merged: number;
  rejected: number;
}

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
  private cache: { at: number; value: Promise<AgentStatusFigures> } | undefined;

  constructor(
    private readonly prisma: PrismaService,
    metrics: MetricsRegistry,
  ) {
    const registers = [metrics.registry];
    const read = () => this.read();
    for (const [name, help, key] of GAUGES) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set((await read())[key]);
        },
      });
    }
  }

  private read(): Promise<AgentStatusFigures> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > 5_000) {
      // Sums as float8: exact up to 2^53, and the validator bounds each value to 1e15.
      const value = this.prisma.$queryRaw<Array<Record<keyof AgentStatusFigures, number | null>>>`
        SELECT count(*)::float8 AS "reporting",
               count(*) FILTER (WHERE degrade_level > 0 OR cardinality(paused_sources) > 0)::float8 AS "degraded",
               sum(spool_pending_batches)::float8 AS "pendingSum", max(spool_pending_batches)::float8 AS "pendingMax",
               sum(spool_bytes)::float8 AS "bytesSum", max(spool_bytes)::float8 AS "bytesMax",
               sum(dropped_batches_total)::float8 AS "droppedBatches", sum(dropped_events_total)::float8 AS "droppedEvents",
               sum(merges_total)::float8 AS "merged", sum(rejected_batches_total)::float8 AS "rejected"
        FROM host_agent_status`.then((r) => {
        const row = r[0];
        const out = {} as AgentStatusFigures;
        for (const [, , key] of GAUGES) out[key] = Number(row?.[key] ?? 0);
        return out;
      });
      value.catch(() => (this.cache = undefined));
      this.cache = { at: now, value };
    }
    return this.cache.value;
  }
}
