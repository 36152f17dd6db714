import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Fleet aggregates of host_agent_status (one row per host: its latest report). */
export interface AgentStatusFigures {
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

/** The fleet-wide aggregates the Prometheus gauges read at scrape time (one statement each). */
@Injectable()
export class MetricsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Pending batches and the age of the oldest one, seconds (received_at is written in the session's time zone, like localtimestamp). */
  async rollupLag(): Promise<{ pending: number; lagSeconds: number }> {
    const [r] = await this.prisma.$queryRaw<Array<{ pending: number; lag: number | null }>>`
      SELECT count(*)::int AS pending, extract(epoch FROM localtimestamp - min(received_at))::float8 AS lag FROM rollup_pending`;
    return { pending: Number(r?.pending ?? 0), lagSeconds: Math.max(0, Number(r?.lag ?? 0)) };
  }

  /** Hosts enrolled, and those that committed a batch in the last `activeWithinSeconds`. */
  async hostCounts(activeWithinSeconds: number): Promise<{ hosts: number; active: number }> {
    const r = await this.prisma.$queryRaw<Array<{ hosts: number; active: number }>>`
      SELECT count(*)::int AS hosts,
             count(*) FILTER (WHERE last_seen_at > now() - make_interval(secs => ${activeWithinSeconds}))::int AS active
      FROM hosts`;
    return { hosts: Number(r[0]?.hosts ?? 0), active: Number(r[0]?.active ?? 0) };
  }

  /** One aggregate over host_agent_status; sums as float8: exact up to 2^53, and the validator bounds each value to 1e15. */
  async agentStatusFigures(): Promise<Record<keyof AgentStatusFigures, number | null> | undefined> {
    const [row] = await this.prisma.$queryRaw<Array<Record<keyof AgentStatusFigures, number | null>>>`
      SELECT count(*)::float8 AS "reporting",
             count(*) FILTER (WHERE degrade_level > 0 OR cardinality(paused_sources) > 0)::float8 AS "degraded",
             sum(spool_pending_batches)::float8 AS "pendingSum", max(spool_pending_batches)::float8 AS "pendingMax",
             sum(spool_bytes)::float8 AS "bytesSum", max(spool_bytes)::float8 AS "bytesMax",
             sum(dropped_batches_total)::float8 AS "droppedBatches", sum(dropped_events_total)::float8 AS "droppedEvents",
             sum(merges_total)::float8 AS "merged", sum(rejected_batches_total)::float8 AS "rejected"
      FROM host_agent_status`;
    return row;
  }
}
