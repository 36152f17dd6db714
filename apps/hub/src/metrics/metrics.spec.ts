import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { BatchIngestService } from '../ingest/batch-ingest.service';

const fx = useTestHub('metrics_spec');

const scrape = () => fetch(`${fx.base}/metrics`).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.text() }));

function value(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

test('/metrics serves Prometheus text with process, queue and fleet metrics', async () => {
  const r = await scrape();
  assert.equal(r.status, 200);
  assert.match(r.type ?? '', /text\/plain/);
  assert.match(r.body, /^fleettune_process_resident_memory_bytes \d+/m);
  assert.match(r.body, /^fleettune_queue_jobs\{queue="exclusions",state="waiting"\} \d+/m);
  assert.equal(value(r.body, 'fleettune_hosts'), 0);
});

test('ingest counters follow committed and duplicate batches and agent-reported drops', async () => {
  const host = await fx.prisma.host.create({ data: { hostname: 'm-1', os: 'linux' } });
  const ingest = fx.hub.app.get(BatchIngestService);
  const batch = CountBatch.fromPartial({
    hostId: host.id,
    sequence: 1,
    windowStartMs: Date.UTC(2026, 0, 1),
    windowEndMs: Date.UTC(2026, 0, 1, 0, 1),
    source: 'linux-audit',
    events: 10,
    skipped: 2,
    dropped: 3,
    execs: [{ path: '/usr/bin/true', parentPath: '', user: 'root', count: 4 }],
    files: [
      { path: '/tmp/a', op: 'create', processPath: '/usr/bin/true', count: 1 },
      { path: '/tmp/b\twith\\odd "chars"', op: 'modify', processPath: '', count: 2 },
    ],
    auditKeys: [{ name: 'exec', count: 4 }],
    syscalls: [],
  });
  assert.equal(await ingest.ingest(host.id, batch), 'committed');
  assert.equal(await ingest.ingest(host.id, batch), 'duplicate');
  const stored = await fx.prisma.fileCount.findMany({ where: { hostId: host.id }, orderBy: { path: 'asc' } });
  assert.deepEqual(
    stored.map((f) => [f.path, f.op, f.processPath, Number(f.count)]),
    [
      ['/tmp/a', 'create', '/usr/bin/true', 1],
      ['/tmp/b\twith\\odd "chars"', 'modify', '', 2],
    ],
  );
  const { body } = await scrape();
  assert.equal(value(body, 'fleettune_ingest_batches_total{outcome="committed"}'), 1);
  assert.equal(value(body, 'fleettune_ingest_batches_total{outcome="duplicate"}'), 1);
  assert.equal(value(body, 'fleettune_ingest_rows_total{table="file_counts"}'), 2);
  assert.equal(value(body, 'fleettune_ingest_rows_total{table="exec_counts"}'), 1);
  assert.equal(value(body, 'fleettune_agent_reported_dropped_total'), 3);
  assert.equal(value(body, 'fleettune_agent_reported_skipped_total'), 2);
  assert.equal(value(body, 'fleettune_ingest_batch_commit_seconds_count{outcome="committed"}'), 1);
  // Fleet gauges come from PostgreSQL, cached 5 s per scrape.
  let active = value(body, 'fleettune_agents_active');
  for (let i = 0; i < 30 && active !== 1; i++) {
    await new Promise((r) => setTimeout(r, 250));
    active = value((await scrape()).body, 'fleettune_agents_active');
  }
  assert.equal(active, 1);
});
