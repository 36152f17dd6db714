/**
 * Security review finding 2 (issue 13), through the real hub: agents enroll and upload over gRPC with
 * the default settings (minHosts 2, burst and shared-address grouping on). Sybil hosts one attacker
 * enrolled in a burst from one address are one witness; their noise is a host-scoped suggestion, never
 * a fleet item, never exported; the review's dangerous paths are refused outright.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAck_Status, CountBatch } from '@fleettune/proto';
import { EXPORT_FORMATS } from '@fleettune/exporters';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { addHost, batch } from './fleet-fixture';

const ADMIN = 'independence-admin-token-00000000';
const ENROLL = 'independence-enroll-secret-000000';
const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const IMPLANT = '/opt/.x/implantd';
const DANGEROUS = [
  '/private/etc/sudoers.d/zz',
  '/private/etc/pam.d/sshd',
  '/var/www/html/shell.php5',
  '/usr/lib/x86_64-linux-gnu/libpam.so.0',
  '/home/alice/.bashrc',
];

const fx = useTestHub('host_independence_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL });

async function get(path: string) {
  const res = await fetch(fx.base + path, { headers: { authorization: `Bearer ${ADMIN}` } });
  return { status: res.status, text: await res.text() };
}

function enroll(hostname: string): Promise<{ hostId: string; agentToken: string }> {
  return new Promise((resolve, reject) =>
    fx.client.enroll({ enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 'test', machineId: `m-${hostname}` }, (err, res) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

type Suggestion = {
  type: string;
  value: string;
  scope: string;
  hostIds: string[];
  whyNotFleet: string;
  globalScopeEligible: boolean;
  risk: { level: string; flags: string[] };
};
type SetView = { id: string; items: { type: string; value: string }[]; hostScopedSuggestions: Suggestion[] };

test('three sybils enrolled in one burst from one address are one witness: the implant is a host-scoped suggestion, never a fleet item', async () => {
  const sybils = [await enroll('sybil-1'), await enroll('sybil-2'), await enroll('sybil-3')];
  for (const s of sybils) {
    const b = CountBatch.fromPartial({
      hostId: s.hostId,
      sequence: 1,
      windowStartMs: T0,
      windowEndMs: T0 + 60_000,
      source: 'linux-audit',
      events: 1,
      execs: [{ path: IMPLANT, parentPath: '/sbin/init', user: 'root', count: 50_000 }],
      files: DANGEROUS.map((p) => ({ path: p, op: 'modify', processPath: IMPLANT, count: 5000 })),
    });
    assert.deepEqual(
      (await uploadBatches(fx.client, s.agentToken, [b])).map((a) => a.status),
      [BatchAck_Status.COMMITTED],
    );
  }
  // An independent pair (hosts enrolled before provenance was recorded count on their own) shares a real noisy daemon.
  const ingest = fx.hub.app.get(BatchIngestService);
  for (const name of ['legacy-1', 'legacy-2']) {
    const id = await addHost(fx.prisma, name);
    await ingest.ingest(id, batch(id, T0, { execs: [{ path: '/opt/acme/bin/acmed', parentPath: '/sbin/init', user: 'root', count: 50_000 }] }));
  }
  const sybilRow = await fx.prisma.host.findUniqueOrThrow({ where: { id: sybils[0].hostId } });
  assert.equal(sybilRow.enrollPeerAddress, '127.0.0.1');

  const result = await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = JSON.parse((await get('/api/v1/exclusion-sets/latest')).text) as SetView;
  assert.ok(
    set.items.some((i) => i.type === 'process' && i.value === '/opt/acme/bin/acmed'),
    'two independent hosts make a fleet item',
  );
  assert.ok(!set.items.some((i) => i.value === IMPLANT), `no fleet item for the implant: ${JSON.stringify(set.items.map((i) => i.value))}`);
  for (const p of DANGEROUS) assert.ok(!set.items.some((i) => i.value.endsWith(p.split('/').pop()!)), p);

  const implant = set.hostScopedSuggestions.filter((s) => s.value === IMPLANT);
  assert.ok(implant.length > 0, JSON.stringify(set.hostScopedSuggestions));
  assert.equal(result.suggestions, set.hostScopedSuggestions.length);
  for (const s of implant) {
    assert.equal(s.scope, 'host');
    assert.notEqual(s.risk.level, 'low');
    assert.ok(s.risk.flags.includes('few-hosts'));
    assert.equal(s.globalScopeEligible, false);
    assert.deepEqual([...s.hostIds].sort(), sybils.map((x) => x.hostId).sort());
    assert.match(s.whyNotFleet, /1 independent host \(3 hosts enrolled together or from one address\); fleet items need 2/);
  }
  // The safety policy refuses the dangerous paths even as suggestions.
  for (const p of DANGEROUS) assert.ok(!set.hostScopedSuggestions.some((s) => s.value.endsWith(p.split('/').pop()!)), p);

  // Suggestions are never exported, not even with include=all.
  for (const format of Object.keys(EXPORT_FORMATS)) {
    const all = await get(`/api/v1/exclusion-sets/${set.id}/export?format=${format}&include=all`);
    assert.equal(all.status, 200);
    assert.ok(!all.text.includes(IMPLANT), `${format} exports the implant`);
  }
});
