import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { MetricsRegistry } from './metrics-registry';

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
  private cache: { at: number; value: Promise<{ pending: number; lagSeconds: number }> } | undefined;

  constructor(
    private readonly prisma: PrismaService,
    registry: MetricsRegistry,
  ) {
    const registers = [registry.registry];
    const read = () => this.read();
    this.batches = new Counter({
      name: 'fleettune_rollup_batches_total',
      help: 'Batches applied to the fleet rollups by this process',
      registers,
    });
    this.stepSeconds = new Histogram({
      name: 'fleettune_rollup_step_seconds',
      help: 'Time of one rollup step (one transaction applying up to a step of pending batches)',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    new Gauge({
      name: 'fleettune_rollup_pending_batches',
      help: 'Committed batches not yet applied to the fleet rollups',
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'fleettune_rollup_lag_seconds',
      help: 'Age of the oldest committed batch not yet applied to the fleet rollups (0 when caught up)',
      registers,
      async collect() {
        this.set((await read()).lagSeconds);
      },
    });
  }

  observeStep(batches: number, seconds: number): void {
    if (batches > 0) this.batches.inc(batches);
    this.stepSeconds.observe(seconds);
  }

  private read(): Promise<{ pending: number; lagSeconds: number }> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > 2_000) {
      const value = readRollupLag(this.prisma);
      value.catch(() => (this.cache = undefined));
      this.cache = { at: now, value };
    }
    return this.cache.value;
  }
}

/** Pending batches and the age of the oldest one, seconds (received_at is written in the session's time zone, like localtimestamp). */
export async function readRollupLag(prisma: PrismaService): Promise<{ pending: number; lagSeconds: number }> {
  const [r] = await prisma.$queryRaw<Array<{ pending: number; lag: number | null }>>`
    SELECT count(*)::int AS pending, extract(epoch FROM localtimestamp - min(received_at))::float8 AS lag FROM rollup_pending`;
  return { pending: Number(r?.pending ?? 0), lagSeconds: Math.max(0, Number(r?.lag ?? 0)) };
}
