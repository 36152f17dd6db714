#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { randomBytes } from 'node:crypto';
import { runFleet } from './fleet';
import { makeHostProfiles } from './host-profile';
import { formatFleetResult } from './report';
import { loadTemplates } from './templates';

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}
function nonNegative(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

const program = new Command()
  .name('fleettune-sim')
  .description(
    'Simulates a fleet: N agents enroll with a hub (real Enroll RPC) and stream windows counted from the recorded audit logs ' +
      '(tools/demo/logs, through libs/audit + libs/counting) with per-host users, host names, app mix, volume and a few noisy outliers.',
  )
  .requiredOption('--hub <host:port>', 'hub gRPC address')
  .option('--enroll-secret <secret>', 'enrollment secret (or FLEETTUNE_ENROLL_SECRET)', process.env.FLEETTUNE_ENROLL_SECRET)
  .option('--agents <n>', 'simulated agents', positiveNumber, 100)
  .option('--interval-ms <ms>', 'each agent sends a window every this many ms (a compressed minute)', positiveNumber, 60_000)
  .option('--rate <batches/s>', 'fleet-wide batches per second (sets --interval-ms = agents / rate)', positiveNumber)
  .option('--duration-s <s>', 'how long agents stream', positiveNumber, 60)
  .option('--window-seconds <s>', 'window length the batches claim', positiveNumber, 60)
  .option('--max-rows <n>', 'keep only the top N exec+file rows per window (0 = all, as recorded)', nonNegative, 0)
  .option('--max-in-flight <n>', 'unacked batches per stream (the agent uses 32)', positiveNumber, 32)
  .option('--outliers <fraction>', 'share of noisy outlier hosts', nonNegative, 0.01)
  .option('--shared-connection', 'all agents share one HTTP/2 connection (default: one connection each, like real hosts)')
  .option('--logs <files...>', 'recorded audit logs to build host templates from (default: tools/demo/logs/*.audit.log)')
  .option('--seed <n>', 'random seed (reproducible fleets)', positiveNumber, 1)
  .option('--run-id <id>', "distinguishes this run's hosts (machine ids); default random")
  .option('--days-back <n>', 'start windows this many days in the past', nonNegative, 1)
  .option('--json', 'print the result as JSON on stdout');

async function main(): Promise<void> {
  const o = program.parse().opts();
  if (!o.enrollSecret) throw new InvalidArgumentError('--enroll-secret or FLEETTUNE_ENROLL_SECRET is required');
  const windowMs = Math.round(o.windowSeconds * 1000);
  const intervalMs = o.rate ? (o.agents / o.rate) * 1000 : o.intervalMs;
  const log = (s: string) => process.stderr.write(`fleettune-sim: ${s}\n`);
  const templates = await loadTemplates({ files: o.logs, windowMs });
  log(`templates: ${templates.map((t) => `${t.role} (${t.windows.length} windows, ~${t.rowsPerWindow} rows, user ${t.localUser || '-'})`).join(', ')}`);
  const hosts = makeHostProfiles(o.agents, templates, {
    runId: o.runId ?? randomBytes(3).toString('hex'),
    seed: o.seed,
    outlierFraction: o.outliers,
    appDropChance: 0.15,
  });
  const first = Math.floor((Date.now() - o.daysBack * 86_400_000) / windowMs) * windowMs;
  log(
    `${o.agents} agents -> ${o.hub}, one window each ${Math.round(intervalMs)} ms (${((o.agents / intervalMs) * 1000).toFixed(1)} batches/s) for ${o.durationS} s`,
  );
  const result = await runFleet({
    hub: o.hub,
    enrollSecret: o.enrollSecret,
    hosts,
    intervalMs,
    windowMs,
    durationMs: o.durationS * 1000,
    maxRows: o.maxRows,
    maxInFlight: o.maxInFlight,
    enrollConcurrency: 32,
    ownConnection: !o.sharedConnection,
    firstWindowStartMs: first,
    drainTimeoutMs: 60_000,
    onProgress: (p) =>
      log(
        `${(p.elapsedMs / 1000).toFixed(0)}s ${p.phase}: enrolled ${p.enrolled}, streams ${p.streamsOpen}, sent ${p.sent}, acked ${p.acked} (${p.rowsAcked} rows), errors ${p.errors}`,
      ),
  });
  if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(formatFleetResult(result) + '\n');
  if (result.errors || result.unacked) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`fleettune-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
