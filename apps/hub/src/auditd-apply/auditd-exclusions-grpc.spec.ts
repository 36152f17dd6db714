import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { AgentServiceClient, AuditdApplyReport, AuditdExclusions } from '@fleettune/proto';
import type { HostAuditdExclusionsView } from '@fleettune/api-contract';
import { enrollAgent } from '../testing/agent-enroll';
import { useTestHub } from '../testing/hub-fixture';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ExclusionRecomputeService } from '../exclusions/exclusion-recompute.service';
import { addHost, ingestNoisyHost } from '../exclusions/fleet-fixture';

// Issue 14 item 2, the hub side: an enrolled agent fetches its host's approved auditd items over gRPC
// (authenticated like uploads, unchanged sets cost nothing) and reports what it applied, shown per host.
const ENROLL = 'auditd-apply-spec-enroll-secret-0';
const ADMIN = 'auditd-apply-spec-admin-token-000';
const AGENT = '/opt/syncagent/bin/syncagent';
const fx = useTestHub('auditd_apply_grpc_spec', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ADMIN_TOKEN: ADMIN });

const bearer = (token: string) => {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};
const fetchItems = (c: AgentServiceClient, md: Metadata, hostId: string, knownEtag = ''): Promise<AuditdExclusions> =>
  new Promise((resolve, reject) =>
    c.getAuditdExclusions({ hostId, knownEtag }, md, (err: ServiceError | null, res?: AuditdExclusions) => (err ? reject(err) : resolve(res!))),
  );
const report = (c: AgentServiceClient, md: Metadata, r: AuditdApplyReport): Promise<unknown> =>
  new Promise((resolve, reject) => c.reportAuditdApply(r, md, (err: ServiceError | null, res?: unknown) => (err ? reject(err) : resolve(res))));
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: ServiceError) => GrpcStatus[e.code],
  );

async function decide(id: string, decision: string) {
  const res = await fx.api(`/api/v1/exclusion-items/${id}/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision, comment: 'spec' }),
  });
  assert.equal(res.status, 200);
}

test('an agent gets only its host’s approved auditd items, nothing when unchanged, and its report shows on the host', async () => {
  const linux = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'aud-01', machineId: 'm-aud-01' });
  const other = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'aud-02', machineId: 'm-aud-02' });
  const mac = await enrollAgent(fx.client, { enrollSecret: ENROLL, hostname: 'mac-01', machineId: 'm-mac-01', os: 'darwin' });
  const md = bearer(linux.agentToken);

  // Authenticated like uploads; for its own host only.
  assert.equal(await code(fetchItems(fx.client, new Metadata(), linux.hostId)), 'UNAUTHENTICATED');
  assert.equal(await code(fetchItems(fx.client, bearer('x'.repeat(40)), linux.hostId)), 'UNAUTHENTICATED');
  assert.equal(await code(fetchItems(fx.client, md, other.hostId)), 'PERMISSION_DENIED');

  // No set yet: nothing to apply.
  const none = await fetchItems(fx.client, md, linux.hostId);
  assert.deepEqual([none.items, none.setId, none.unchanged], [[], '', false]);

  const ingest = fx.hub.app.get(BatchIngestService);
  // Two hosts added directly: hosts enrolled in one burst from one secret count once toward the fleet bar.
  await ingestNoisyHost(ingest, await addHost(fx.prisma, 'noisy-01'), 'alice');
  await ingestNoisyHost(ingest, await addHost(fx.prisma, 'noisy-02'), 'bob');
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = (await (await fx.api('/api/v1/exclusion-sets/latest')).json()) as {
    id: string;
    version: number;
    items: { id: string; type: string; value: string }[];
  };
  const auditExe = set.items.find((i) => i.type === 'audit-exe' && i.value === AGENT)!;
  const process = set.items.find((i) => i.type === 'process' && i.value === AGENT)!;
  assert.ok(auditExe && process, 'the fixture makes an audit-exe and a process item of the sync agent');

  // Pending items are not served.
  const pending = await fetchItems(fx.client, md, linux.hostId);
  assert.deepEqual(pending.items, []);
  assert.equal(pending.etag, none.etag, 'no approved auditd item either way: the same etag');

  await decide(auditExe.id, 'approved');
  await decide(process.id, 'approved');
  const approved = await fetchItems(fx.client, md, linux.hostId, pending.etag);
  assert.equal(approved.unchanged, false);
  // Only the auditd types: the approved process item (AV data) is no audit rule.
  assert.deepEqual(approved.items, [{ itemId: auditExe.id, type: 'audit-exe', value: AGENT, initiator: '' }]);
  assert.deepEqual([approved.setId, approved.setVersion], [set.id, set.version]);
  const again = await fetchItems(fx.client, md, linux.hostId, approved.etag);
  assert.deepEqual([again.unchanged, again.items, again.etag], [true, [], approved.etag]);
  // A darwin host has no auditd.
  assert.deepEqual((await fetchItems(fx.client, bearer(mac.agentToken), mac.hostId)).items, []);

  const view = async (hostId: string) => {
    const res = await fx.api(`/api/v1/hosts/${hostId}/auditd-exclusions`);
    assert.equal(res.status, 200);
    return (await res.json()) as HostAuditdExclusionsView;
  };
  assert.deepEqual((await view(linux.hostId)).report, null);
  assert.deepEqual((await view(linux.hostId)).current, { etag: approved.etag, setVersion: set.version, items: 1, reportIsCurrent: false });

  const good: AuditdApplyReport = {
    hostId: linux.hostId,
    etag: approved.etag,
    setId: set.id,
    setVersion: set.version,
    state: 'applied',
    message: '',
    lines: [
      { itemId: auditExe.id, type: 'audit-exe', value: AGENT, outcome: 'applied', reason: '', rule: `-A never,exit -F exe=${AGENT} -F key=fleettune-applied` },
      { itemId: '', type: 'audit-dir', value: '/opt/absent', outcome: 'skipped', reason: 'not present on this host', rule: '' },
    ],
  };
  // Hostile reports: another host's, an unknown state, an unbounded field, a bad id.
  assert.equal(await code(report(fx.client, md, { ...good, hostId: other.hostId })), 'PERMISSION_DENIED');
  assert.equal(await code(report(fx.client, md, { ...good, state: 'pwned' })), 'INVALID_ARGUMENT');
  assert.equal(await code(report(fx.client, md, { ...good, lines: [{ ...good.lines[0], value: 'x'.repeat(5000) }] })), 'INVALID_ARGUMENT');
  assert.equal(await code(report(fx.client, md, { ...good, lines: [{ ...good.lines[0], outcome: 'maybe' }] })), 'INVALID_ARGUMENT');
  assert.equal(await code(report(fx.client, md, { ...good, setId: "'; drop table hosts; --" })), 'INVALID_ARGUMENT');
  assert.equal(await code(report(fx.client, new Metadata(), good)), 'UNAUTHENTICATED');
  assert.equal((await view(linux.hostId)).report, null, 'nothing refused was stored');

  assert.equal(await code(report(fx.client, md, good)), 'ok');
  const shown = await view(linux.hostId);
  assert.equal(shown.current.reportIsCurrent, true);
  assert.deepEqual(
    {
      state: shown.report!.state,
      applied: shown.report!.applied,
      skipped: shown.report!.skipped,
      failed: shown.report!.failed,
      setVersion: shown.report!.setVersion,
    },
    { state: 'applied', applied: 1, skipped: 1, failed: 0, setVersion: set.version },
  );
  assert.deepEqual(shown.report!.lines, good.lines);
  assert.equal((await fx.api(`/api/v1/hosts/00000000-0000-4000-8000-000000000000/auditd-exclusions`)).status, 404);

  // Rejecting the item takes it out: the agent gets a new etag with no items and removes its rule.
  await decide(auditExe.id, 'rejected');
  const removed = await fetchItems(fx.client, md, linux.hostId, approved.etag);
  assert.deepEqual([removed.unchanged, removed.items], [false, []]);
  assert.equal((await view(linux.hostId)).current.reportIsCurrent, false, 'the report is of the previous set');
});
