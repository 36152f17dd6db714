import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { CountBatch } from '@fleettune/proto';
import { MetricsRegistry } from './metrics-registry';
import { unknownProgramFormats } from '../ingest/count-batch-validator';

export type IngestRefusalReason = 'streams' | 'rows-per-day' | 'events-per-day' | 'future-window' | 'users-not-redacted';

/**
 * Ingest-path metrics. Fed by BatchIngestService (every batch, committed or
 * duplicate) and, where the gRPC server calls them, by the stream hooks.
 */
@Injectable()
export class IngestMetrics {
  readonly batches: Counter<'outcome'>;
  readonly rows: Counter<'table'>;
  readonly commitSeconds: Histogram<'outcome'>;
  readonly agentEvents: Counter;
  readonly agentSkipped: Counter;
  readonly agentDropped: Counter;
  readonly activeStreams: Gauge;
  readonly streams: Counter<'result'>;
  readonly refused: Counter<'reason'>;
  readonly unknownProgramFormats: Counter;

  constructor(registry: MetricsRegistry) {
    this.batches = registry.counter('fleettune_ingest_batches_total', 'Count batches handled by the ingest path, by outcome (committed | duplicate)', [
      'outcome',
    ]);
    this.rows = registry.counter('fleettune_ingest_rows_total', 'Count rows committed, by table', ['table']);
    this.commitSeconds = registry.histogram(
      'fleettune_ingest_batch_commit_seconds',
      'Time to store one batch (one transaction), by outcome',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ['outcome'],
    );
    this.agentEvents = registry.counter('fleettune_agent_reported_events_total', 'Events counted by agents in committed batches');
    this.agentSkipped = registry.counter('fleettune_agent_reported_skipped_total', 'Malformed input agents reported skipping, in committed batches');
    this.agentDropped = registry.counter('fleettune_agent_reported_dropped_total', 'Events agents reported dropping (spool bound), in committed batches');
    this.activeStreams = registry.gauge('fleettune_grpc_upload_streams_active', 'UploadBatches streams open on this hub process');
    this.refused = registry.counter(
      'fleettune_ingest_refused_total',
      'Streams or batches refused by a per-agent limit, by reason (streams | rows-per-day | events-per-day | future-window | users-not-redacted)',
      ['reason'],
    );
    this.unknownProgramFormats = registry.counter(
      'fleettune_ingest_unknown_program_formats_total',
      'Exec rows of committed batches whose program_format this hub does not know (stored as unknown)',
    );
    this.streams = registry.counter('fleettune_grpc_upload_streams_total', 'UploadBatches streams closed, by result (ok | error | cancelled)', ['result']);
  }

  observeBatch(batch: CountBatch, outcome: 'committed' | 'duplicate', seconds: number): void {
    this.batches.inc({ outcome });
    this.commitSeconds.observe({ outcome }, seconds);
    if (outcome !== 'committed') return;
    if (batch.execs.length) this.rows.inc({ table: 'exec_counts' }, batch.execs.length);
    if (batch.files.length) this.rows.inc({ table: 'file_counts' }, batch.files.length);
    if (batch.auditKeys.length) this.rows.inc({ table: 'audit_key_counts' }, batch.auditKeys.length);
    if (batch.syscalls.length) this.rows.inc({ table: 'syscall_counts' }, batch.syscalls.length);
    if (batch.initiators?.length) this.rows.inc({ table: 'initiator_counts' }, batch.initiators.length);
    this.rows.inc({ table: 'ingest_batches' }, 1);
    if (batch.events) this.agentEvents.inc(batch.events);
    if (batch.skipped) this.agentSkipped.inc(batch.skipped);
    if (batch.dropped) this.agentDropped.inc(batch.dropped);
    const unknownFormats = unknownProgramFormats(batch);
    if (unknownFormats) this.unknownProgramFormats.inc(unknownFormats);
  }

  /** For the gRPC server: a stream or batch refused by a per-agent limit. */
  refusedBy(reason: IngestRefusalReason): void {
    this.refused.inc({ reason });
  }

  /** For the gRPC server: call when an UploadBatches stream starts. */
  streamOpened(): void {
    this.activeStreams.inc();
  }

  /** For the gRPC server: call once when an UploadBatches stream ends. */
  streamClosed(result: 'ok' | 'error' | 'cancelled'): void {
    this.activeStreams.dec();
    this.streams.inc({ result });
  }
}
