/**
 * Worker-thread entry of the exclusion recompute: reads the fleet rollup and
 * runs the engine off the hub's event loop. On 10,000 hosts the decode and
 * the engine are seconds of synchronous work; on the main thread they would
 * stall HTTP, gRPC ingest acks and BullMQ lock renewals for that long.
 * The new set version is stored from here too (plain pg): the hub's thread
 * only receives a summary. Started by runRecomputeInWorker; one message
 * back, then the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { newPgClient } from '../database/pg-client';
import { recommendExclusions } from '@fleettune/rules';
import { storeExclusionSet } from './exclusion-set-store';
import { readRollup } from './rollup-reader';
import type { RecomputeWorkerInput, RecomputeWorkerMessage } from './recompute-worker-runner';

async function run(input: RecomputeWorkerInput): Promise<RecomputeWorkerMessage> {
  const rollup = await readRollup(input.databaseUrl, input.lookbackBins);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = recommendExclusions(rollup.columns, { hostsReporting: rollup.hostsReporting, config: input.config });
  const cpu = process.cpuUsage(cpu0);
  const engineMs = performance.now() - t0;
  const t1 = performance.now();
  const client = newPgClient({ connectionString: input.databaseUrl });
  await client.connect();
  let stored;
  try {
    stored = await storeExclusionSet(client, {
      jobId: input.jobId,
      config: input.config,
      hostsReporting: rollup.hostsReporting,
      lookbackBins: input.lookbackBins,
      result,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    ok: true,
    output: {
      ...stored,
      items: result.items.length,
      rejected: result.rejected.length,
      hostsReporting: rollup.hostsReporting,
      rowCount: rollup.columns.rowCount,
      rawRows: rollup.rawRows,
      queryMs: rollup.queryMs,
      decodeMs: rollup.decodeMs,
      engineMs,
      engineCpuMs: (cpu.user + cpu.system) / 1000,
      storeMs: performance.now() - t1,
    },
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as RecomputeWorkerInput).then(
    (message) => port.postMessage(message),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies RecomputeWorkerMessage),
  );
}
