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
import { hostIndependenceKeys, recommendWithHostSuggestionsPerPlatform } from '@fleettune/rules';
import { storeExclusionSetAt } from './exclusion-set-version.repository';
import { readRollup } from './fleet-activity-columns';
import { readHostEnrollments } from './fleet-activity.repository';
import type { RecomputeWorkerInput, RecomputeWorkerMessage } from './recompute-worker-runner';

async function run(input: RecomputeWorkerInput): Promise<RecomputeWorkerMessage> {
  const rollup = await readRollup(input.databaseUrl, input.lookbackBins);
  const enrollments = await readHostEnrollments(input.databaseUrl, rollup.columns.hostIds);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const independenceKeys = hostIndependenceKeys(enrollments, input.independence);
  // One set per platform (issue 19 item 5): prevalence among the platform's hosts, items from its hosts' activity only.
  const hostsReportingByPlatform: Record<string, number> = {};
  for (const os of rollup.hostPlatforms.values()) hostsReportingByPlatform[os] = (hostsReportingByPlatform[os] ?? 0) + 1;
  const result = recommendWithHostSuggestionsPerPlatform(rollup.columns, {
    hostPlatforms: rollup.hostPlatforms,
    hostsReportingByPlatform,
    config: input.config,
    independenceKeys,
  });
  const cpu = process.cpuUsage(cpu0);
  const engineMs = performance.now() - t0;
  const t1 = performance.now();
  const stored = await storeExclusionSetAt(input.databaseUrl, {
    jobId: input.jobId,
    config: input.config,
    hostsReporting: rollup.hostsReporting,
    hostsReportingByPlatform,
    lookbackBins: input.lookbackBins,
    result,
  });
  return {
    ok: true,
    output: {
      ...stored,
      items: stored.alreadyStored ? stored.alreadyStored.items : result.items.length,
      rejected: result.rejected.length,
      suggestions: result.suggestions.length,
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
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies RecomputeWorkerMessage),
  );
}
