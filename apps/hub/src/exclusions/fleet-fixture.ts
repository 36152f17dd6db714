import { CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { BatchIngestService } from '../ingest/batch-ingest.service';

/**
 * Test fleet: hosts whose local users differ, each with a burst of utility
 * execs under a sync agent, numbered temp files in a per-user cache dir and
 * a chatty per-user log, ingested through the real ingest path (so the
 * rollup is filled by the ingest transaction). Used by the hub's specs.
 */
export const FIXTURE_T0 = Date.UTC(2026, 10, 24, 5, 0, 0);
let sequence = 1;

export async function addHost(prisma: PrismaService, hostname: string, os: 'linux' | 'darwin' = 'linux'): Promise<string> {
  const h = await prisma.host.create({ data: { hostname, os } });
  return h.id;
}

export function batch(hostId: string, startMs: number, rows: { execs?: CountBatch['execs']; files?: CountBatch['files'] }): CountBatch {
  return CountBatch.fromPartial({
    hostId,
    sequence: sequence++,
    windowStartMs: startMs,
    windowEndMs: startMs + 60_000,
    source: 'linux-audit',
    events: 1,
    execs: rows.execs ?? [],
    files: rows.files ?? [],
  });
}

export async function ingestNoisyHost(ingest: BatchIngestService, hostId: string, user: string, startMs = FIXTURE_T0): Promise<CountBatch> {
  const files = [];
  for (let c = 0; c < 1050; c++) {
    files.push({ path: `/var/tmp/buildcache/${user}/chunk-${c}.tmp`, op: 'create', processPath: '/opt/syncagent/bin/syncagent', count: 1 });
    files.push({ path: `/var/tmp/buildcache/${user}/chunk-${c}.tmp`, op: 'delete', processPath: '/usr/bin/rm', count: 1 });
  }
  files.push({ path: `/home/${user}/.cache/syncagent/sync.log`, op: 'modify', processPath: '/opt/syncagent/bin/syncagent', count: 1100 });
  const b = batch(hostId, startMs, {
    execs: [
      { path: '/usr/bin/date', parentPath: '/opt/syncagent/bin/syncagent', user, count: 1100 },
      { path: '/usr/bin/id', parentPath: '/opt/syncagent/bin/syncagent', user, count: 550 },
      { path: '/opt/syncagent/bin/syncagent', parentPath: '/usr/sbin/runuser', user, count: 1 },
    ],
    files,
  });
  await ingest.ingest(hostId, b);
  return b;
}
