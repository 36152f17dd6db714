import { Inject, Injectable, Optional } from '@nestjs/common';
import { CountBatch } from '@fleettune/proto';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { IngestMetrics } from '../metrics/ingest-metrics';
import { storeHostCost } from '../cost/host-cost.repository';
import { DailyQuota, chargeDailyUsage } from './agent-daily-quota';
import { IngestBatchRepository } from './ingest-batch.repository';

export type IngestOutcome = 'committed' | 'duplicate';

/** PostgreSQL deadlock (40P01) or serialization failure (40001), however Prisma wraps it. */
export function isRetryableConflict(err: unknown): boolean {
  const e = err as { code?: string; message?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  const pg = e?.meta?.driverAdapterError?.cause?.originalCode;
  return e?.code === 'P2034' || pg === '40P01' || pg === '40001' || /\b(40P01|40001)\b/.test(e?.message ?? '');
}

/**
 * The whole batch transaction rolled back, so running it again is safe;
 * concurrent batches touching shared rows (the rollup's subjects) can
 * deadlock under load, and a retry here beats an INTERNAL error and a
 * resend of the batch from the agent.
 */
async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetryableConflict(err)) throw err;
      await new Promise((r) => setTimeout(r, 10 * 2 ** i * Math.random()));
    }
  }
}

/**
 * Stores a batch and its counts in one transaction. The (host, sequence)
 * primary key of ingest_batches makes a resent batch a no-op: at-least-once
 * delivery from the agent becomes exactly-once in effect.
 *
 * The batch row, its counts, the host's last_seen_at and its agent status
 * (issues 7/8) are written by one statement (IngestBatchRepository, where
 * the why of its shape is told).
 *
 * Rollups: the same statement queues the batch in rollup_pending; the rollup
 * worker (ActivityRollupService) applies queued batches set-based in its own
 * transactions, off this hot path. Readers that need every committed batch
 * rolled up call its catchUp() first.
 *
 * Limits (issue 13 item 7): batches run on ingest's own pool, and a committed
 * batch is charged to its host's daily row and event quota in the same
 * transaction; over it the whole batch rolls back (DailyQuotaExceeded).
 */
@Injectable()
export class BatchIngestService {
  private readonly quota: DailyQuota;

  constructor(
    private readonly batches: IngestBatchRepository,
    @Inject(HUB_CONFIG) config: HubConfig,
    @Optional() private readonly metrics?: IngestMetrics,
  ) {
    this.quota = { rowsPerDay: config.FLEETTUNE_AGENT_ROWS_PER_DAY, eventsPerDay: config.FLEETTUNE_AGENT_EVENTS_PER_DAY };
  }

  /**
   * `agent` (issue 13): the sending agent; its batch sequences are stored offset by its
   * sequence base, so idempotency is per (agent, sequence): an agent that replaced another on the
   * same host (admin re-key) starts again at 1 without its batches being taken for duplicates.
   */
  async ingest(hostId: string, batch: CountBatch, agent?: { agentId: string; sequenceBase: bigint }): Promise<IngestOutcome> {
    const started = process.hrtime.bigint();
    const hostSequence = (agent?.sequenceBase ?? 0n) + BigInt(batch.sequence);
    const stored = { hostId, sequence: hostSequence, agentId: agent?.agentId ?? null, batch };
    const outcome = await retryOnConflict(() =>
      this.batches.inTransaction(async (tx) => {
        if (!(await this.batches.insertBatch(tx, { ...stored, now: new Date() }))) return 'duplicate' as const;
        await chargeDailyUsage((day, rows, events) => this.batches.addDailyUsage(tx, hostId, day, rows, events), batch, this.quota, Date.now());
        if (batch.hostCost?.length) await storeHostCost(tx, hostId, batch); // issue 9: security-product cost + auditd health
        return 'committed' as const;
      }),
    );
    this.metrics?.observeBatch(batch, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }
}
