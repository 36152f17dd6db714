import { FleetResult } from './fleet';
import { fmtMs } from './stats';

export function formatFleetResult(r: FleetResult): string {
  const lines = [
    `agents             ${r.agents} (enrolled in ${(r.enrollMs / 1000).toFixed(1)} s, max streams open ${r.maxStreamsOpen})`,
    `batches            ${r.batchesAcked} acked / ${r.batchesSent} sent / ${r.batchesScheduled} due (${r.duplicates} duplicate), ${r.unacked} unacked`,
    `throughput         ${r.batchesPerSecond.toFixed(1)} batches/s, ${Math.round(r.rowsPerSecond)} rows/s over ${(r.streamMs / 1000).toFixed(1)} s`,
    `ack latency (ms)   p50 ${fmtMs(r.ackLatencyMs.p50)}  p90 ${fmtMs(r.ackLatencyMs.p90)}  p95 ${fmtMs(r.ackLatencyMs.p95)}  p99 ${fmtMs(r.ackLatencyMs.p99)}  p99.9 ${fmtMs(r.ackLatencyMs.p999)}  max ${fmtMs(r.ackLatencyMs.max)}  (window due -> ack)`,
    `wire latency (ms)  p50 ${fmtMs(r.wireLatencyMs.p50)}  p99 ${fmtMs(r.wireLatencyMs.p99)}  max ${fmtMs(r.wireLatencyMs.max)}  (write -> ack)`,
    `errors             ${r.errors}${r.errors ? ' ' + JSON.stringify(r.errorKinds) : ''}`,
    ...(Object.keys(r.enrollRetries).length ? [`enroll retries     ${JSON.stringify(r.enrollRetries)} (succeeded on retry)`] : []),
  ];
  return lines.join('\n');
}
