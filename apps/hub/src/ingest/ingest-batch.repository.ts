import { Injectable } from '@nestjs/common';
import { AgentStatus, CountBatch, programFormatFromWire } from '@fleettune/proto';
import { Prisma } from '../generated/prisma/client';
import { IngestPrismaService } from '../database/ingest-prisma.service';
import { sanitizedInputWarnings, sanitizedPausedSources } from './count-batch-validator';
import { programFormatCode } from './program-format-code';

/** The open batch transaction; every write of one batch goes through it. */
export type IngestTransaction = Prisma.TransactionClient;

/**
 * Prisma's interactive-transaction defaults (wait 2 s for a pool connection,
 * 5 s to finish) turn a busy pool into INTERNAL errors and resend storms once
 * thousands of agent streams share one hub's pool (`npm run bench:fanin`).
 * Waiting is the right back-pressure here: the stream stays paused and the
 * agent keeps the batch spooled until the ack.
 */
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 60_000 } as const;

/** A batch as stored: its sequence already offset by the sending agent's sequence base. */
export interface StoredBatch {
  hostId: string;
  sequence: bigint;
  agentId: string | null;
  batch: CountBatch;
  /** Receipt time: the host's last_seen_at and its agent status's reported_at. */
  now: Date;
}

/**
 * The ingest path's statements, on ingest's own pool (IngestPrismaService).
 *
 * Speed: the batch row, every count table and the host's last_seen_at are
 * written by ONE statement (data-modifying CTEs), each count table from
 * column arrays through unnest(). That is one round trip and four bound
 * array parameters per table instead of one bound parameter per cell
 * (Prisma's createMany), which is what keeps the hub near PostgreSQL's own
 * COPY rate (`npm run bench:ingest`). The count inserts are gated on the
 * batch row having been inserted (`WHERE EXISTS (SELECT 1 FROM b)`), so a
 * duplicate (host, sequence) writes nothing. The same statement upserts the
 * batch's AgentStatus into host_agent_status (issues 7/8) and queues the
 * batch in rollup_pending for the rollup worker.
 */
@Injectable()
export class IngestBatchRepository {
  constructor(private readonly prisma: IngestPrismaService) {}

  /** Runs `fn` in one transaction, waiting for a pool connection rather than failing fast. */
  inTransaction<T>(fn: (tx: IngestTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn, TRANSACTION_OPTIONS);
  }

  /** The ingest statement; false when (host, sequence) was already stored (nothing written). */
  async insertBatch(tx: IngestTransaction, { hostId, sequence, agentId, batch, now }: StoredBatch): Promise<boolean> {
    const windowStart = new Date(batch.windowStartMs);
    const windowEnd = new Date(batch.windowEndMs);
    const { execs, files, auditKeys, syscalls } = batch;
    const initiators = batch.initiators ?? [];
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
        ), k AS (${nameCountsInsert('audit_key_counts', 'key', hostId, sequence, windowStart, auditKeys)}
        ), s AS (${nameCountsInsert('syscall_counts', 'syscall', hostId, sequence, windowStart, syscalls)}
        ), i AS (${nameCountsInsert('initiator_counts', 'initiator', hostId, sequence, windowStart, initiators)}
        ), p AS (
          INSERT INTO rollup_pending (host_id, sequence, window_start)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart} WHERE EXISTS (SELECT 1 FROM b)
        ), h AS (
          UPDATE hosts SET last_seen_at = ${now}, users_redacted = ${batch.usersRedacted === true}
          WHERE id = ${hostId}::uuid AND EXISTS (SELECT 1 FROM b)
        )${agentStatusCte(hostId, sequence, batch.agentStatus, now)}
        SELECT count(*)::int AS inserted FROM b`;
    return Number(rows[0]?.inserted ?? 0) > 0;
  }

  /**
   * Adds a batch's rows and events to its host's usage of `day` (UTC) and
   * returns the day's totals. One row per host, reset when the day changes;
   * the row lock makes it exact across streams and hub replicas.
   */
  async addDailyUsage(tx: IngestTransaction, hostId: string, day: string, rows: number, events: number): Promise<{ rows: bigint; events: bigint }> {
    const [usage] = await tx.$queryRaw<Array<{ rows: bigint; events: bigint }>>`
    INSERT INTO host_ingest_usage AS u (host_id, day, rows, events)
    VALUES (${hostId}::uuid, ${day}::date, ${BigInt(rows)}, ${BigInt(events)})
    ON CONFLICT (host_id) DO UPDATE SET
      rows = CASE WHEN u.day = EXCLUDED.day THEN u.rows + EXCLUDED.rows ELSE EXCLUDED.rows END,
      events = CASE WHEN u.day = EXCLUDED.day THEN u.events + EXCLUDED.events ELSE EXCLUDED.events END,
      day = EXCLUDED.day
    RETURNING u.rows, u.events`;
    return usage;
  }
}

/**
 * The insert of one (name, count) table of the ingest statement (audit keys,
 * syscalls, initiators), from two column arrays and gated like the other
 * count inserts on the batch row having been inserted (`b`). Table and
 * column are this file's constants, never input.
 */
function nameCountsInsert(
  table: 'audit_key_counts' | 'syscall_counts' | 'initiator_counts',
  column: 'key' | 'syscall' | 'initiator',
  hostId: string,
  sequence: bigint,
  windowStart: Date,
  rows: ReadonlyArray<{ name: string; count: number }>,
): Prisma.Sql {
  return Prisma.sql`
          INSERT INTO ${Prisma.raw(table)} (host_id, sequence, window_start, ${Prisma.raw(column)}, count)
          SELECT ${hostId}::uuid, ${sequence}, ${windowStart}, t.name, t.cnt
          FROM unnest(${rows.map((r) => r.name)}::text[], ${rows.map((r) => String(r.count))}::bigint[]) AS t(name, cnt)
          WHERE EXISTS (SELECT 1 FROM b)`;
}

/**
 * One more CTE for the ingest statement (issues 7/8): upserts the batch's
 * AgentStatus as the host's latest, gated like the count inserts on the batch
 * row having been inserted (`b`), so a duplicate or a rolled-back batch never
 * writes it. A batch without a status (older agents) adds nothing: the host
 * keeps what it last reported. The last committed batch wins, whatever its
 * sequence: the agent fills the status when it sends (or resends) a batch,
 * so the newest commit carries the newest figures, also after a re-enrolled
 * agent restarted its sequences.
 */
function agentStatusCte(hostId: string, sequence: bigint, st: AgentStatus | undefined, reportedAt: Date): Prisma.Sql {
  if (!st) return Prisma.empty;
  return Prisma.sql`, a AS (
          INSERT INTO host_agent_status (host_id, sequence, spool_pending_batches, spool_bytes, spool_bound_bytes,
                                         dropped_batches_total, dropped_events_total, merges_total, rejected_batches_total,
                                         degrade_level, paused_sources, rss_bytes, cpu_percent, input_warnings, reported_at)
          SELECT ${hostId}::uuid, ${sequence}, ${BigInt(st.spoolPendingBatches)}, ${BigInt(st.spoolBytes)}, ${BigInt(st.spoolBoundBytes)},
                 ${BigInt(st.droppedBatchesTotal)}, ${BigInt(st.droppedEventsTotal)}, ${BigInt(st.mergesTotal)}, ${BigInt(st.rejectedBatchesTotal)},
                 ${st.degradeLevel}::int, ${sanitizedPausedSources(st.pausedSources)}::text[], ${BigInt(st.rssBytes)}, ${st.cpuPercent}::float8, ${sanitizedInputWarnings(st.inputWarnings)}::text[], ${reportedAt}
          WHERE EXISTS (SELECT 1 FROM b)
          ON CONFLICT (host_id) DO UPDATE SET
            sequence = EXCLUDED.sequence, spool_pending_batches = EXCLUDED.spool_pending_batches,
            spool_bytes = EXCLUDED.spool_bytes, spool_bound_bytes = EXCLUDED.spool_bound_bytes,
            dropped_batches_total = EXCLUDED.dropped_batches_total, dropped_events_total = EXCLUDED.dropped_events_total,
            merges_total = EXCLUDED.merges_total, rejected_batches_total = EXCLUDED.rejected_batches_total,
            degrade_level = EXCLUDED.degrade_level, paused_sources = EXCLUDED.paused_sources,
            rss_bytes = EXCLUDED.rss_bytes, cpu_percent = EXCLUDED.cpu_percent, input_warnings = EXCLUDED.input_warnings,
            reported_at = EXCLUDED.reported_at
        )`;
}
