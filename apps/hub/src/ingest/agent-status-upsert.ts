import { AgentStatus } from '@fleettune/proto';
import { Prisma } from '../generated/prisma/client';
import { sanitizedInputWarnings, sanitizedPausedSources } from './count-batch-validator';

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
export function agentStatusCte(hostId: string, sequence: bigint, st: AgentStatus | undefined, reportedAt: Date): Prisma.Sql {
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
