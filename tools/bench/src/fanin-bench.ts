#!/usr/bin/env node
/**
 * npm run bench:fanin — N (default 2,000) concurrent agent streams on one hub
 * process, each enrolled for real and sending one window per compressed
 * minute; prints p99 ack latency, hub RSS and errors.
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createMigratedTestDatabase } from '@fleettune/db-tools';
import { formatFleetResult, loadTemplates, makeHostProfiles, runFleet, startHubProcess, watchRss } from '@fleettune/simulator';

async function main(): Promise<void> {
  const o = new Command()
    .name('bench:fanin')
    .option('--agents <n>', 'concurrent agents (one stream and one TCP connection each)', Number, 2000)
    .option('--interval-ms <ms>', 'each agent sends one window per interval (the compressed minute)', Number, 60_000)
    .option('--duration-s <s>', 'streaming time after all agents enrolled', Number, 120)
    .option('--max-rows <n>', 'exec+file rows kept per window (top N by count; 0 = all recorded rows)', Number, 100)
    .option('--hub-log <file>', 'write the hub process output to this file')
    .option('--keep', 'keep the benchmark database')
    .option('--json', 'print the result as JSON')
    .parse()
    .opts();
  const log = (s: string) => process.stderr.write(`bench:fanin: ${s}\n`);
  const enrollSecret = `bench-enroll-${randomBytes(12).toString('hex')}`;
  const windowMs = 60_000;
  const db = await createMigratedTestDatabase('bench_fanin');
  log(`database ${db.name}; load average ${os.loadavg()[0].toFixed(1)}`);
  const hub = await startHubProcess({
    DATABASE_URL: db.url,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    BIND_HOST: '127.0.0.1',
    FLEETTUNE_ENROLL_SECRET: enrollSecret,
    FLEETTUNE_QUEUE_PREFIX: `bench-fanin-${process.pid}`,
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
  }, o.hubLog ? { logTo: fs.createWriteStream(o.hubLog) } : {});
  const idleRss = hub.rssBytes();
  const rss = watchRss(hub.pid);
  try {
    const templates = await loadTemplates({ windowMs });
    const hosts = makeHostProfiles(o.agents, templates, { runId: randomBytes(3).toString('hex'), seed: 11, outlierFraction: 0.01, appDropChance: 0.15 });
    log(`${o.agents} agents, one window each ${o.intervalMs} ms (${((o.agents / o.intervalMs) * 1000).toFixed(1)} batches/s), ${o.durationS} s, top ${o.maxRows || 'all'} rows`);
    let streamingPeak = 0;
    const result = await runFleet({
      hub: hub.grpcAddress,
      enrollSecret,
      hosts,
      intervalMs: o.intervalMs,
      windowMs,
      durationMs: o.durationS * 1000,
      maxRows: o.maxRows,
      maxInFlight: 32,
      enrollConcurrency: 8,
      ownConnection: true,
      firstWindowStartMs: Math.floor((Date.now() - 86_400_000) / windowMs) * windowMs,
      drainTimeoutMs: 60_000,
      progressEveryMs: 5_000,
      onProgress: (p) => {
        if (p.phase !== 'enroll') streamingPeak = Math.max(streamingPeak, rss.last());
        log(
          `${(p.elapsedMs / 1000).toFixed(0)}s ${p.phase}: enrolled ${p.enrolled}, streams ${p.streamsOpen}, acked ${p.acked} (${p.rowsAcked} rows), errors ${p.errors}, hub RSS ${Math.round(rss.last() / 1048576)} MiB`,
        );
      },
    });
    const metrics = await fetch(`${hub.httpUrl}/metrics`).then((r) => r.text());
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
    const out = {
      ...result,
      hubRssMiB: { idle: Math.round(idleRss / 1048576), peak: Math.round(rss.peak() / 1048576), streamingPeak: Math.round(streamingPeak / 1048576) },
      hubMetrics: {
        agentsActive: metric('fleettune_agents_active'),
      },
      loadAverage: os.loadavg()[0],
    };
    if (o.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else
      process.stdout.write(
        formatFleetResult(result) +
          `\nhub RSS            idle ${out.hubRssMiB.idle} MiB, peak ${out.hubRssMiB.peak} MiB (${o.agents} streams open)` +
          `\np99 ack latency    ${result.ackLatencyMs.p99.toFixed(0)} ms  (${result.errors ? 'ERRORS' : 'no errors'})` +
          `\n/metrics           fleettune_agents_active ${out.hubMetrics.agentsActive}\n`,
      );
    if (result.errors || result.unacked || result.agents !== o.agents) process.exitCode = 1;
  } finally {
    rss.stop();
    await hub.stop();
    if (!o.keep) await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:fanin: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
