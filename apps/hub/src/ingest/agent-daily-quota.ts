import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CountBatch } from '@fleettune/proto';
import { GrpcError } from './grpc-error';

export interface DailyQuota {
  rowsPerDay: number;
  eventsPerDay: number;
}

export type DailyQuotaKind = 'rows-per-day' | 'events-per-day';

/** A batch over its agent's daily quota: RESOURCE_EXHAUSTED, retried by the agent with back-off (the batch stays spooled). */
export class DailyQuotaExceeded extends GrpcError {
  constructor(
    readonly kind: DailyQuotaKind,
    details: string,
  ) {
    super(GrpcStatus.RESOURCE_EXHAUSTED, details);
  }
}

export function batchRows(batch: CountBatch): number {
  return batch.execs.length + batch.files.length + batch.auditKeys.length + batch.syscalls.length + (batch.initiators?.length ?? 0);
}

/**
 * Events a batch is charged: its own event count, or more when its rows say
 * more. An agent chooses `events` freely; the counts of its rows are what the
 * engine ranks by, so those are charged too (per table, as one event is often
 * also counted as a syscall and an audit key).
 */
export function batchEventsCharged(batch: CountBatch): number {
  const sum = (rs: ReadonlyArray<{ count: number }>) => rs.reduce((n, r) => n + r.count, 0);
  return Math.max(batch.events, sum(batch.execs), sum(batch.files), sum(batch.auditKeys), sum(batch.syscalls), sum(batch.initiators ?? []));
}

/** The UTC day a batch received at `nowMs` counts toward. */
export function quotaDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Adds rows and events to the host's usage of a UTC day and returns the day's totals (IngestBatchRepository.addDailyUsage). */
export type AddDailyUsage = (day: string, rows: number, events: number) => Promise<{ rows: bigint; events: bigint }>;

/**
 * Adds a committed batch to its host's usage of the day, inside the batch's
 * transaction, and throws DailyQuotaExceeded (rolling the batch back) when
 * that passes a quota.
 */
export async function chargeDailyUsage(addUsage: AddDailyUsage, batch: CountBatch, quota: DailyQuota, nowMs: number): Promise<void> {
  const rows = batchRows(batch);
  const events = batchEventsCharged(batch);
  const day = quotaDay(nowMs);
  const usage = await addUsage(day, rows, events);
  if (Number(usage.rows) > quota.rowsPerDay) {
    throw new DailyQuotaExceeded(
      'rows-per-day',
      `daily row quota exceeded: this batch's ${rows} rows would make ${usage.rows} today (${day} UTC), more than the ${quota.rowsPerDay} allowed per agent (FLEETTUNE_AGENT_ROWS_PER_DAY); keep it spooled and retry tomorrow`,
    );
  }
  if (Number(usage.events) > quota.eventsPerDay) {
    throw new DailyQuotaExceeded(
      'events-per-day',
      `daily event quota exceeded: this batch's ${events} events would make ${usage.events} today (${day} UTC), more than the ${quota.eventsPerDay} allowed per agent (FLEETTUNE_AGENT_EVENTS_PER_DAY); keep it spooled and retry tomorrow`,
    );
  }
}
