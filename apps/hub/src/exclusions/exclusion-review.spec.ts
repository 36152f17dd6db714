import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestToken } from '../auth/token-digest';
import { useTestHub } from '../testing/hub-fixture';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { ActivityRollupService } from './activity-rollup.service';
import { FIXTURE_T0, addHost, batch, ingestNoisyHost } from './fleet-fixture';

const ADMIN = 'review-spec-admin-token-000000000';
const VIEWER = 'review-spec-viewer-token-00000000';

const fx = useTestHub(
  'exclusion_review_spec',
  {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
  },
  async () => {
    await fx.prisma.apiToken.create({ data: { name: 'viewer', role: 'viewer', tokenHash: digestToken(VIEWER) } });
  },
);

type Item = {
  id: string;
  type: string;
  value: string;
  user: string;
  applyToChildren: boolean;
  decision: { status: string; decidedBy?: string; comment?: string; setVersion?: number; history: number };
};

test('ingest fills the rollup incrementally; a resent batch changes nothing', async () => {
  const ingest = fx.hub.app.get(BatchIngestService);
  const web1 = await addHost(fx.prisma, 'web-01');
  const b = await ingestNoisyHost(ingest, web1, 'alice');
  const sum = async () =>
    (await fx.hub.app.get(ActivityRollupService).catchUp(), 0n) +
    (
      await fx.prisma.$queryRaw<
        { s: bigint }[]
      >`SELECT COALESCE(SUM(r.count), 0)::bigint AS s FROM activity_rollups r JOIN activity_subjects x ON x.id = r.subject_id WHERE x.kind IN ('exec', 'file')`
    )[0].s;
  const first = await sum();
  assert.equal(first, BigInt(1100 + 550 + 1 + 2100 + 1100));
  assert.equal(await ingest.ingest(web1, b), 'duplicate');
  assert.equal(await sum(), first);
  const [peak] = await fx.prisma.$queryRaw<{ peak_count: bigint; peak_window_seconds: number }[]>`
    SELECT r.peak_count, r.peak_window_seconds FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id
    WHERE s.kind = 'exec' AND s.path = '/usr/bin/date'`;
  assert.deepEqual([peak.peak_count, peak.peak_window_seconds], [1100n, 60]);
  await ingestNoisyHost(ingest, await addHost(fx.prisma, 'web-02'), 'bob');
});

test('recompute reads the rollup: burst parent and per-user cache generalized; decisions survive recomputes; diff', async () => {
  const recompute = fx.hub.app.get(ExclusionRecomputeService);
  const r1 = await recompute.recompute();
  assert.ok(r1.timings.rollupQueryMs >= 0 && r1.rollupCells > 0);
  const v1 = (await fx.call('GET', '/api/v1/exclusion-sets/latest')).body as { id: string; version: number; items: Item[] };
  // The fixture's batches are linux-audit data: the sync agent is also the top audit initiator (an audit-exe item beside its process item).
  const audit = v1.items.filter((i) => i.type.startsWith('audit-'));
  assert.deepEqual(
    audit.map((i) => [i.type, i.value]),
    [['audit-exe', '/opt/syncagent/bin/syncagent']],
  );
  const byValue = new Map(v1.items.filter((i) => !i.type.startsWith('audit-')).map((i) => [i.value, i]));
  const agent = byValue.get('/opt/syncagent/bin/syncagent');
  assert.equal(agent?.applyToChildren, true);
  assert.ok(byValue.has('/var/tmp/buildcache/*/chunk-*.tmp'), JSON.stringify([...byValue.keys()]));
  assert.ok(byValue.has('/home/*/.cache/syncagent/sync.log'));
  assert.ok(!byValue.has('/usr/bin/date') && !byValue.has('/usr/bin/id'));
  assert.ok(v1.items.every((i) => i.decision.status === 'pending' && i.decision.history === 0));
  assert.ok(!JSON.stringify(v1).includes('alice') && !JSON.stringify(v1).includes('bob'));

  // Review: validation and roles first.
  const url = (i: Item) => `/api/v1/exclusion-items/${i.id}/decision`;
  assert.equal((await fx.call('POST', url(agent!), { decision: 'approved', comment: 'ok' }, VIEWER)).status, 403);
  assert.equal((await fx.call('POST', url(agent!), { decision: 'approved' })).status, 400);
  assert.equal((await fx.call('POST', url(agent!), { decision: 'snoozed', comment: 'later' })).status, 400);
  assert.equal((await fx.call('POST', url(agent!), { decision: 'snoozed', comment: 'x', snoozeUntil: '2001-01-01T00:00:00Z' })).status, 400);
  assert.equal(
    (await fx.call('POST', '/api/v1/exclusion-items/00000000-0000-0000-0000-000000000000/decision', { decision: 'approved', comment: 'x' })).status,
    404,
  );

  const ok = await fx.call('POST', url(agent!), { decision: 'rejected', comment: 'first look: no' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.decision.status, 'rejected');
  assert.equal((await fx.call('POST', url(agent!), { decision: 'approved', comment: 'vendor confirmed the agent' })).body.decision.status, 'approved');
  const chunks = byValue.get('/var/tmp/buildcache/*/chunk-*.tmp')!;
  await fx.call('POST', url(chunks), { decision: 'rejected', comment: 'world-writable' });
  const until = new Date(Date.now() + 86_400_000).toISOString();
  const log = byValue.get('/home/*/.cache/syncagent/sync.log')!;
  assert.equal((await fx.call('POST', url(log), { decision: 'snoozed', comment: 'ask the app team', snoozeUntil: until })).status, 200);

  // New data: a third host and a new noisy program; recompute makes v2.
  const ingest = fx.hub.app.get(BatchIngestService);
  const build = await addHost(fx.prisma, 'build-03');
  await ingestNoisyHost(ingest, build, 'carol');
  // The new program is noisy on two hosts: one host alone is no longer enough for a fleet item (minHosts 2).
  const web1 = (await fx.prisma.host.findFirstOrThrow({ where: { hostname: 'web-01' } })).id;
  for (const h of [build, web1]) {
    await ingest.ingest(
      h,
      batch(h, FIXTURE_T0 + 120_000, { execs: [{ path: '/opt/acme/bin/acme-helper', parentPath: '/opt/acme/bin/acmed', user: 'root', count: 3000 }] }),
    );
  }
  const r2 = await recompute.recompute();
  assert.equal(r2.version, v1.version + 1);

  const v2 = (await fx.call('GET', '/api/v1/exclusion-sets/latest')).body as { id: string; version: number; previousSetId: string; items: Item[] };
  assert.equal(v2.previousSetId, v1.id);
  const after = new Map(v2.items.filter((i) => !i.type.startsWith('audit-')).map((i) => [i.value, i]));
  const agent2 = after.get('/opt/syncagent/bin/syncagent')!;
  assert.notEqual(agent2.id, agent!.id, 'a new item row per version');
  assert.equal(agent2.decision.status, 'approved');
  assert.equal(agent2.decision.comment, 'vendor confirmed the agent');
  assert.equal(agent2.decision.decidedBy, 'bootstrap-admin');
  assert.equal(agent2.decision.setVersion, v1.version);
  assert.equal(agent2.decision.history, 2);
  assert.equal(after.get('/var/tmp/buildcache/*/chunk-*.tmp')!.decision.status, 'rejected');
  assert.equal(after.get('/home/*/.cache/syncagent/sync.log')!.decision.status, 'snoozed');
  assert.equal(after.get('/opt/acme/bin/acme-helper')!.decision.status, 'pending');

  const diff = (await fx.call('GET', `/api/v1/exclusion-sets/${v2.id}/diff`)).body;
  assert.equal(diff.previousVersion, v1.version);
  // acme-helper: a noisy program, and (its 3000 execve records) a noisy audit initiator.
  assert.deepEqual(diff.added.map((a: { type: string; value: string }) => [a.type, a.value]).sort(), [
    ['audit-exe', '/opt/acme/bin/acme-helper'],
    ['process', '/opt/acme/bin/acme-helper'],
  ]);
  assert.match(diff.added.find((a: { type: string }) => a.type === 'process').why, /^new recommendation: noisy program/);
  assert.deepEqual(diff.removed, []);
  // Two hosts became three for the per-user items.
  assert.deepEqual(diff.changed.map((c: { type: string; value: string; why: string }) => [c.type, c.value, c.why]).sort(), [
    ['audit-exe', '/opt/syncagent/bin/syncagent', 'evidence.hosts 2 -> 3'],
    ['process', '/opt/syncagent/bin/syncagent', 'evidence.hosts 2 -> 3'],
    ['wildcard', '/home/*/.cache/syncagent/sync.log', 'evidence.hosts 2 -> 3'],
    ['wildcard', '/var/tmp/buildcache/*/chunk-*.tmp', 'evidence.hosts 2 -> 3'],
  ]);
  assert.equal(diff.unchanged, 0);
  const first = (await fx.call('GET', `/api/v1/exclusion-sets/${v1.id}/diff`)).body;
  assert.equal(first.previousSetId, null);
  assert.equal(first.added.length, v1.items.length);

  const history = (await fx.call('GET', `/api/v1/exclusion-items/${agent2.id}/decisions`)).body as Array<{ decision: string; decidedBy: string }>;
  assert.deepEqual(
    history.map((h) => h.decision),
    ['approved', 'rejected'],
  );
});
