import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import type { TestDatabase } from '@fleettune/db-tools';
import { CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ActivityRollupService } from './activity-rollup.service';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { FIXTURE_T0, addHost, batch } from './fleet-fixture';
import { RAW_KINDS, readRawActivity } from './raw-activity.repository';
import { ROLLUP_BIN_SECONDS } from './rollup-apply-sql';

// The rollup worker carries the kinds the exclusion engine used to read from
// the raw tables (scan, audit-exe, audit-dir). The reader must switch to the
// rollup for them on its own, the rollup cells must equal the raw reading
// cell for cell, and the engine must recommend exactly what it recommended
// from a rollup without those kinds (the raw fallback, the "before").
const ADMIN = 'rollup-kinds-spec-admin-token-000';
let db: TestDatabase;
let hub: RunningHub;
let prisma: PrismaService;

before(async () => {
  ({ db, hub } = await startTestHub('rollup_kinds_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN }));
  prisma = hub.app.get(PrismaService);
  const ingest = hub.app.get(BatchIngestService);
  for (const [h, user] of ['alice', 'bob', 'carol'].entries()) {
    const hostId = await addHost(prisma, `kinds-${h}`);
    for (let w = 0; w < 3; w++) {
      const files: CountBatch['files'] = [];
      for (let i = 0; i < 400 * (w + 1); i++)
        files.push({ path: `/var/lib/backupd/spool/f${i}`, op: 'modify', processPath: '/opt/backup/bin/backupd', count: 1 });
      for (const repo of ['api', 'web'])
        files.push({ path: `/home/${user}/src/${repo}/.git/index.lock`, op: 'create', processPath: '/usr/lib/git-core/git', count: 300 });
      // Relative paths and a file at the root: the directory rule's edge cases.
      files.push({ path: 'relative/name.txt', op: 'modify', processPath: '', count: 7 });
      files.push({ path: '/rootfile', op: 'modify', processPath: '/usr/bin/touch', count: 2 });
      await ingest.ingest(
        hostId,
        batch(hostId, FIXTURE_T0 + w * 25 * 60_000, {
          files,
          execs: [
            { path: '/usr/bin/python3', parentPath: '/opt/ml/bin/trainer', user: 'root', count: 3 + w },
            { path: '/usr/bin/python3', parentPath: '', user: '', count: 5 },
          ],
        }),
      );
      const rtp = batch(hostId, FIXTURE_T0 + w * 25 * 60_000 + 60_000, {
        execs: [
          { path: '/opt/indexer/bin/indexer', parentPath: '', user: '', count: 50_000 },
          { path: '/usr/bin/python3', parentPath: '', user: '', count: 40_000 + w },
        ],
      });
      rtp.source = 'mdatp-rtp';
      await ingest.ingest(hostId, rtp);
    }
  }
  await hub.app.get(ActivityRollupService).catchUp();
});

after(async () => {
  await hub?.close();
  await db?.drop();
});

type Item = { type: string; value: string; applyToChildren: boolean; reason: string; evidence: Record<string, number> };

async function latestItems(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${hub.httpPort}/api/v1/exclusion-sets/latest`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const set = (await res.json()) as { items: Item[] };
  return set.items.map((i) => JSON.stringify([i.type, i.value, i.applyToChildren, i.reason, i.evidence])).sort();
}

test('the rollup cells of scan, audit-exe and audit-dir equal the raw reading cell for cell', async () => {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const since = Math.floor(FIXTURE_T0 / 1000 / ROLLUP_BIN_SECONDS) - 1;
    const raw = await readRawActivity(client, since);
    assert.equal(raw.strays.length, 0);
    const fromRaw = raw.groups.flatMap((g) => g.cells.split(';').map((c) => `${g.kind} ${g.path} ${c}`)).sort();
    const rolled = await client.query<{ c: string }>(
      `SELECT s.kind || ' ' || s.path || ' ' || r.host_seq || ',' || (r.bin - $1) || ',' || r.count AS c
       FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id WHERE s.kind = ANY($2::text[])`,
      [since, RAW_KINDS],
    );
    const fromRollup = rolled.rows.map((r) => r.c).sort();
    assert.ok(fromRaw.length > 20, `${fromRaw.length} cells`);
    assert.deepEqual(fromRollup, fromRaw);
    for (const k of RAW_KINDS)
      assert.ok(
        fromRollup.some((c) => c.startsWith(`${k} `)),
        k,
      );
    assert.ok(fromRollup.includes(`audit-dir relative/name.txt ${fromRollup.find((c) => c.startsWith('audit-dir relative/'))!.split(' ')[2]}`));
    assert.ok(
      fromRollup.some((c) => c.startsWith('audit-dir / ')),
      'a file at the root is in "/"',
    );
    // mdatp-rtp exec rows are files scanned, not executions: only the 5 real executions a window stay exec.
    const exec = await client.query<{ n: string }>(
      `SELECT SUM(r.count)::text AS n FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id
       WHERE s.kind = 'exec' AND s.path = '/usr/bin/python3' AND s.parent_path = ''`,
    );
    assert.equal(exec.rows[0].n, String(3 * 3 * 5));
  } finally {
    await client.end();
  }
});

test('the recompute reads no raw table once the rollup carries the kinds, and recommends exactly what the raw fallback did', async () => {
  const recompute = hub.app.get(ExclusionRecomputeService);
  const now = await recompute.recompute();
  assert.equal(now.rawRows, 0, 'no raw rows read');
  const withRollupKinds = await latestItems();
  assert.ok(
    withRollupKinds.some((i) => i.startsWith('["audit-exe","/opt/backup/bin/backupd"')),
    withRollupKinds.join('\n'),
  );
  assert.ok(
    withRollupKinds.some((i) => i.startsWith('["audit-dir","/var/lib/backupd/spool"')),
    withRollupKinds.join('\n'),
  );
  assert.ok(
    withRollupKinds.some((i) => i.startsWith('["process","/opt/indexer/bin/indexer"')),
    withRollupKinds.join('\n'),
  );

  // "Before": the rollup as it was written without the new kinds (mdatp rows counted as exec
  // subjects, no audit kinds), so the reader falls back to the raw tables and corrects the execs.
  await prisma.$transaction([
    prisma.$executeRawUnsafe(`DELETE FROM activity_rollups WHERE subject_id IN (SELECT id FROM activity_subjects WHERE kind IN ('audit-exe', 'audit-dir'))`),
    prisma.$executeRawUnsafe(`DELETE FROM activity_subjects WHERE kind IN ('audit-exe', 'audit-dir')`),
    prisma.$executeRawUnsafe(`
      INSERT INTO activity_subjects (kind, path, parent_path, "user") SELECT 'exec', path, '', '' FROM activity_subjects WHERE kind = 'scan'
      ON CONFLICT DO NOTHING`),
    prisma.$executeRawUnsafe(`
      INSERT INTO activity_rollups AS r (subject_id, host_seq, bin, count, peak_count, peak_window_seconds)
      SELECT e.id, c.host_seq, c.bin, c.count, c.peak_count, c.peak_window_seconds
      FROM activity_rollups c JOIN activity_subjects s ON s.id = c.subject_id AND s.kind = 'scan'
      JOIN activity_subjects e ON e.kind = 'exec' AND e.path = s.path AND e.parent_path = '' AND e."user" = ''
      ON CONFLICT (subject_id, host_seq, bin) DO UPDATE SET count = r.count + EXCLUDED.count,
        peak_count = GREATEST(r.peak_count, EXCLUDED.peak_count)`),
    prisma.$executeRawUnsafe(`DELETE FROM activity_rollups WHERE subject_id IN (SELECT id FROM activity_subjects WHERE kind = 'scan')`),
    prisma.$executeRawUnsafe(`DELETE FROM activity_subjects WHERE kind = 'scan'`),
  ]);
  const before = await recompute.recompute();
  assert.ok(before.rawRows > 0, 'the fallback read the raw tables');
  assert.deepEqual(await latestItems(), withRollupKinds);
});
