/**
 * Issue 13 item 7, the crowd-out reproduction on a real hub: one enrolled
 * host uploads 500 junk programs at 1e9 executions each; a program that 3 of
 * the 4 legitimate hosts run a lot must still be recommended.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAck_Status, CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { ExclusionRecomputeService } from './exclusion-recompute.service';

const ENROLL = 'crowd-out-spec-enroll-secret-000';
const LEGIT = '/opt/legit/bin/legit-sync';

const fx = useTestHub('crowd_out_spec', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  // The daily event quota alone would refuse this flood (ingest-limits.spec.ts); lifted here to test the engine's cut.
  FLEETTUNE_AGENT_EVENTS_PER_DAY: String(1e13),
  // The fleet bar (2 hosts by default) alone would keep one host's junk out; lowered to 1, as before issue 13,
  // so this spec tests the cut itself: an operator may lower the bar, and two colluding hosts pass it.
  FLEETTUNE_MIN_HOSTS: '1',
});

function enroll(hostname: string) {
  return new Promise<{ agentToken: string; hostId: string }>((resolve, reject) =>
    fx.client.enroll({ enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 'test', machineId: `m-${hostname}` }, (err, res) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

const START = Date.UTC(2026, 10, 30, 10, 0, 0);
function batch(hostId: string, execs: CountBatch['execs']): CountBatch {
  return CountBatch.fromPartial({ hostId, sequence: 1, windowStartMs: START, windowEndMs: START + 60_000, source: 'linux-audit', events: 0, execs });
}

/** Distinct, unrelated-looking program paths (no shared numbered shape that would fold them into one wildcard). */
function junkPrograms(n: number): string[] {
  const syl = ['ka', 'lo', 'mi', 'nu', 're', 'sa', 'ti', 'vo', 'ze', 'pu', 'da', 'fe', 'go', 'hy', 'jo', 'wu', 'be', 'co', 'xi', 'ya', 'qu', 'ro', 'le', 'mo'];
  return Array.from({ length: n }, (_, i) => {
    const name = syl[i % 24] + syl[Math.floor(i / 24) % 24] + syl[(i * 7 + 3) % 24];
    return `/opt/${name}/bin/${name}d`;
  });
}

test('500 junk programs at 1e9 from one host do not push out an item 3 of 4 hosts agree on', async () => {
  const hosts = await Promise.all(['app-01', 'app-02', 'app-03', 'app-04', 'junk-01'].map((h) => enroll(h)));
  const [a, b, c, quiet, junk] = hosts;
  for (const h of [a, b, c]) {
    const acks = await uploadBatches(fx.client, h.agentToken, [
      batch(h.hostId, [{ path: LEGIT, parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 3000 }]),
    ]);
    assert.deepEqual(
      acks.map((x) => x.status),
      [BatchAck_Status.COMMITTED],
    );
  }
  await uploadBatches(fx.client, quiet.agentToken, [batch(quiet.hostId, [{ path: '/usr/bin/id', parentPath: '/usr/sbin/cron', user: 'root', count: 3 }])]);
  const junkAcks = await uploadBatches(fx.client, junk.agentToken, [
    batch(
      junk.hostId,
      junkPrograms(500).map((path) => ({ path, parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 1e9 })),
    ),
  ]);
  assert.deepEqual(
    junkAcks.map((x) => x.status),
    [BatchAck_Status.COMMITTED],
  );

  const r = await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const items = await fx.hub.app
    .get(PrismaService)
    .exclusionItem.findMany({ where: { set: { version: r.version } }, select: { type: true, value: true, evidence: true } });
  // More candidates than the set holds (maxItems 500), so the cut decided: by volume alone the legitimate item was cut.
  assert.ok(r.items + r.rejected > 500, JSON.stringify(r));
  const legit = items.filter((i) => i.value === LEGIT);
  assert.ok(legit.length >= 1, 'the 3-of-4-host program is still recommended');
  assert.equal((legit[0].evidence as { hosts: number }).hosts, 3);
});
