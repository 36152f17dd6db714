import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { MetricsRegistry } from './metrics-registry';

/** How recently a host must have committed a batch to count as active. */
export const ACTIVE_AGENT_WINDOW_SECONDS = 300;

/**
 * Fleet-wide gauges read from PostgreSQL at scrape time (cached a few
 * seconds so frequent scrapes of several replicas stay cheap). Same on every
 * replica: aggregate with max().
 */
@Injectable()
export class FleetMetricsService {
  private cache: { at: number; value: Promise<{ hosts: number; active: number }> } | undefined;

  constructor(
    private readonly prisma: PrismaService,
    metrics: MetricsRegistry,
  ) {
    const registers = [metrics.registry];
    const read = () => this.read();
    new Gauge({
      name: 'fleettune_hosts',
      help: 'Hosts enrolled',
      registers,
      async collect() {
        this.set((await read()).hosts);
      },
    });
    new Gauge({
      name: 'fleettune_agents_active',
      help: `Hosts that committed a batch in the last ${ACTIVE_AGENT_WINDOW_SECONDS} s`,
      registers,
      async collect() {
        this.set((await read()).active);
      },
    });
  }

  private read(): Promise<{ hosts: number; active: number }> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > 5_000) {
      const value = this.prisma.$queryRaw<Array<{ hosts: number; active: number }>>`
        SELECT count(*)::int AS hosts,
               count(*) FILTER (WHERE last_seen_at > now() - make_interval(secs => ${ACTIVE_AGENT_WINDOW_SECONDS}))::int AS active
        FROM hosts`.then((r) => ({ hosts: Number(r[0]?.hosts ?? 0), active: Number(r[0]?.active ?? 0) }));
      value.catch(() => (this.cache = undefined));
      this.cache = { at: now, value };
    }
    return this.cache.value;
  }
}
