import { Inject, Injectable, Optional } from '@nestjs/common';
import { CountBatch, programFormatFromWire } from '@fleettune/proto';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { IngestPrismaService } from '../database/ingest-prisma.service';
import { IngestMetrics } from '../metrics/ingest-metrics';
import { storeHostCost } from '../cost/host-cost.repository';
import { agentStatusCte } from './agent-status-upsert';
import { DailyQuota, chargeDailyUsage } from './agent-daily-quota';
import { programFormatCode } from './program-format-code';

export type IngestOutcome = 'committed' | 'duplicate';

/**
 * Prisma's interactive-transaction defaults (wait 2 s for a pool connection,
 * 5 s to finish) turn a busy pool into INTERNAL errors and resend storms once
 * thousands of agent streams share one hub's pool (`npm run bench:fanin`).
 * Waiting is the right back-pressure here: the stream stays paused and the
 * agent keeps the batch spooled until the ack.
 */
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 60_000 } as const;

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
 * Speed: the batch row, every count table and the host's last_seen_at are
 * written by ONE statement (data-modifying CTEs), each count table from
 * column arrays through unnest(). That is one round trip and four bound
 * array parameters per table instead of one bound parameter per cell
 * (Prisma's createMany), which is what keeps the hub near PostgreSQL's own
 * COPY rate (`npm run bench:ingest`). The count inserts are gated on the
 * batch row having been inserted (`WHERE EXISTS (SELECT 1 FROM b)`), so a
 * duplicate (host, sequence) writes nothing, exactly as before.
 *
 * Agent health (issues 7/8): the same statement upserts the batch's
 * AgentStatus into host_agent_status (agent-status-upsert.ts).
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
    private readonly prisma: IngestPrismaService,
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
    const windowStart = new Date(batch.windowStartMs);
    const windowEnd = new Date(batch.windowEndMs);
    const sequence = (agent?.sequenceBase ?? 0n) + BigInt(batch.sequence);
    const agentId = agent?.agentId ?? null;
    const { execs, files, auditKeys, syscalls } = batch;
    const initiators = batch.initiators ?? [];
    const outcome = await retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<Array<{ inserted: number }>>`
        WITH b AS (
          INSERT INTO ingest_batches (host_id, sequence, source, window_start, window_end, events, skipped, dropped, agent_id)
          VALUES (${hostId}::uuid, ${sequence}, ${batch.source}, ${windowStart}, ${windowEnd},
                  ${BigInt(batch.events)}, ${BigInt(batch.skipped)}, ${BigInt(batch.dropped)}, ${agentId}::uuid)
          ON CONFLICT (host_id, sequence) DO NOTHING
          RETURNING 1
        ), e AS (
          INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, parent_path, "user", count, program_format)
          SELECT ${hostId}::uuid, ${sequence}, ${batch.source}, ${windowStart}, ${windowEnd}, t.path, t.parent_path, t.usr, t.cnt, t.fmt
          FROM unnest(${execs.map((r) => r.path)}::text[], ${execs.map((r) => r.parentPath)}::text[],
                      ${execs.map((r) => r.user)}::text[], ${execs.map((r) => String(r.count))}::bigint[],
                      ${execs.map((r) => programFormatCode(programFormatFromWire(r.programFormat)))}::smallint[])
               AS t(path, parent_path, usr, cnt, fmt)
          WHERE EXISTS (SELECT 1 FROM b)
        ), f AS (
          INSERT INTO file_counts (host_id, sequence, source, window_start, window_end, path, op, process_path, count)
          SELECT ${hostId}::uuid, ${sequence}, ${batch.source}, ${windowStart}, ${windowEnd}, t.path, t.op, t.process_path, t.cnt
          FROM unnest(${files.map((r) => r.path)}::text[], ${files.map((r) => r.op)}::text[],
                      ${files.map((r) => r.processPath)}::text[], ${files.map((r) => String(r.count))}::bigint[])
               AS t(path, op, process_path, cnt)
          WHERE EXISTS (SELECT 1 FROM b)
        ), k AS (
          INSERT INTO audit_key_counts (host_id, sequence, window_start, key, count)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart}, t.name, t.cnt
          FROM unnest(${auditKeys.map((r) => r.name)}::text[], ${auditKeys.map((r) => String(r.count))}::bigint[]) AS t(name, cnt)
          WHERE EXISTS (SELECT 1 FROM b)
        ), s AS (
          INSERT INTO syscall_counts (host_id, sequence, window_start, syscall, count)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart}, t.name, t.cnt
          FROM unnest(${syscalls.map((r) => r.name)}::text[], ${syscalls.map((r) => String(r.count))}::bigint[]) AS t(name, cnt)
          WHERE EXISTS (SELECT 1 FROM b)
        ), i AS (
          INSERT INTO initiator_counts (host_id, sequence, window_start, initiator, count)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart}, t.name, t.cnt
          FROM unnest(${initiators.map((r) => r.name)}::text[], ${initiators.map((r) => String(r.count))}::bigint[]) AS t(name, cnt)
          WHERE EXISTS (SELECT 1 FROM b)
        ), p AS (
          INSERT INTO rollup_pending (host_id, sequence, window_start)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart} WHERE EXISTS (SELECT 1 FROM b)
        ), h AS (
          UPDATE hosts SET last_seen_at = ${new Date()}, users_redacted = ${batch.usersRedacted === true}
          WHERE id = ${hostId}::uuid AND EXISTS (SELECT 1 FROM b)
        )${agentStatusCte(hostId, sequence, batch.agentStatus, new Date())}
        SELECT count(*)::int AS inserted FROM b`;
        if (Number(rows[0]?.inserted ?? 0) === 0) return 'duplicate' as const;
        await chargeDailyUsage(tx, hostId, batch, this.quota, Date.now());
        if (batch.hostCost?.length) await storeHostCost(tx, hostId, batch); // issue 9: security-product cost + auditd health
        return 'committed' as const;
      }, TRANSACTION_OPTIONS),
    );
    this.metrics?.observeBatch(batch, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }
}
