/**
 * Issue 13 item 6 on a real hub: an approved wildcard of the shape the
 * engine generates made the alert job's regex backtrack for minutes on the
 * hub's only event loop (REST, gRPC and /healthz stalled); and one run could
 * open any number of alerts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { useTestHub } from '../testing/hub-fixture';
import { Api, Fleet, NOW_WINDOW_START, WINDOW_MS, ingestFleet } from './test-fleet.fixture';

const ADMIN = 'alert-availability-admin-token-00';
const MAX_PER_RUN = 20;
// 14 stars: the review's 12-star pattern took 34 s as a regex on a 55-character path; each star more multiplies that.
const ENGINE_WILDCARD = '/opt/cache/' + '*g'.repeat(14) + '.dat';
// Almost matches: only the last character before the extension is wrong, so a backtracking regex tries every split.
const NEAR_MISS = '/opt/cache/' + 'g'.repeat(40) + 'x.dat';
let api: Api;
let fleet: Fleet;
let sequence = 100_000;

const fx = useTestHub(
  'alert_availability',
  {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    FLEETTUNE_ALERTS_INTERVAL_SECONDS: '0',
    FLEETTUNE_ALERTS_LEARNING_SECONDS: '0',
    FLEETTUNE_ALERTS_MAX_PER_RUN: String(MAX_PER_RUN),
  },
  async () => {
    api = new Api(`${fx.base}`, ADMIN);
    fleet = await ingestFleet(fx.hub, { withHelper: false });
  },
);

async function noisyFiles(hostname: string, startMs: number, paths: string[]): Promise<void> {
  const hostId = fleet.hosts[hostname];
  const files = paths.map((path) => ({ path, op: 'modify', processPath: '/opt/cache/bin/cacher', count: 5000 }));
  const batch = CountBatch.fromPartial({
    hostId,
    sequence: sequence++,
    windowStartMs: startMs,
    windowEndMs: startMs + WINDOW_MS,
    source: 'linux-audit',
    events: 5000 * paths.length,
    files,
  });
  assert.equal(await fx.hub.app.get(BatchIngestService).ingest(hostId, batch), 'committed');
}

/** Runs an evaluation while polling /healthz; returns the result and the slowest /healthz answer. */
async function evaluateWatchingHealth(): Promise<{
  result: { created: string[]; updated: string[]; capped: number; suppressed: unknown[] };
  answered: number;
  slowestMs: number;
}> {
  let done = false;
  let answered = 0;
  let slowestMs = 0;
  const watch = (async () => {
    while (!done) {
      const t0 = performance.now();
      const res = await fetch(`${fx.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200);
      answered++;
      slowestMs = Math.max(slowestMs, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await api.evaluate<{ created: string[]; updated: string[]; capped: number; suppressed: unknown[] }>();
    return { result, answered, slowestMs };
  } finally {
    done = true;
    await watch;
  }
}

test('an approved engine-shaped wildcard does not stall the hub: the evaluation finishes and /healthz answers throughout', async () => {
  await fx.hub.app.get(PrismaService).$executeRaw`
    INSERT INTO exclusion_decisions (type, value, "user", decision, comment, decided_by, decided_at)
    VALUES ('wildcard', ${ENGINE_WILDCARD}, '', 'approved', 'spec', 'spec', now())`;
  await noisyFiles('web-01', NOW_WINDOW_START + WINDOW_MS, [NEAR_MISS, '/opt/cache/' + 'g'.repeat(30) + '.dat']);
  // Minutes as a regex on the event loop; api.evaluate gives up after 30 s.
  const { result, answered, slowestMs } = await evaluateWatchingHealth();
  assert.ok(answered >= 1, '/healthz answered while the evaluation ran');
  assert.ok(slowestMs < 10_000, `slowest /healthz ${slowestMs} ms`);
  const alerts = await api.ok<Array<{ subject: string }>>('GET', '/api/v1/alerts?status=open');
  const subjects = alerts.map((a) => a.subject);
  assert.ok(subjects.includes(NEAR_MISS), 'the near miss is not covered by the wildcard, so it alerts');
  assert.ok(!subjects.some((s) => s === '/opt/cache/' + 'g'.repeat(30) + '.dat'), 'what the wildcard covers is silent');
  assert.equal(result.capped, 0);
});

test(`one run records at most FLEETTUNE_ALERTS_MAX_PER_RUN (${MAX_PER_RUN}) alerts; the rest are counted and wait for the next run`, async () => {
  const paths = Array.from(
    { length: 45 },
    (_, i) => `/srv/tenant-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}/spool/queue.db`,
  );
  await noisyFiles('web-02', NOW_WINDOW_START + 2 * WINDOW_MS, paths);
  const first = await api.evaluate<{ created: string[]; updated: string[]; capped: number }>();
  assert.equal(first.created.length + first.updated.length, MAX_PER_RUN);
  assert.ok(first.capped > 0, JSON.stringify(first));
  const metrics = await (await fetch(`${fx.base}/metrics`)).text();
  assert.match(metrics, new RegExp(`^fleettune_alerts_capped_total ${first.capped}$`, 'm'));
  const second = await api.evaluate<{ created: string[]; updated: string[]; capped: number }>();
  assert.equal(second.created.length + second.updated.length, MAX_PER_RUN);
  const open = await api.ok<unknown[]>('GET', '/api/v1/alerts?status=open&limit=500');
  assert.ok(open.length >= 2 * MAX_PER_RUN);
});
