import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { AuditdApplyReport, BatchAck, CountBatch, HostCostWindow } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';

const ENROLL = 'cost-spec-enroll-secret-00000000';
const ADMIN = 'cost-spec-admin-token-0000000000';

const fx = useTestHub('cost_spec', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  FLEETTUNE_ADMIN_TOKEN: ADMIN,
});

const enroll = (hostname: string) =>
  new Promise<{ agentToken: string; hostId: string }>((resolve, reject) =>
    fx.client.enroll({ enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 'test', machineId: `m-${hostname}` }, (e, r) =>
      e ? reject(e) : resolve(r!),
    ),
  );

const upload = (token: string, batches: CountBatch[]): Promise<BatchAck[]> => uploadBatches(fx.client, token, batches);

/** The agent's report of what it did with the approved auditd items (ReportAuditdApply, as the agent sends it). */
function reportApply(agent: { agentToken: string; hostId: string }, state: string, lines: AuditdApplyReport['lines']): Promise<void> {
  const md = new Metadata();
  md.set('authorization', `Bearer ${agent.agentToken}`);
  return new Promise((resolve, reject) =>
    fx.client.reportAuditdApply({ hostId: agent.hostId, etag: 'spec', setId: '', setVersion: 0, state, message: '', lines }, md, (e) =>
      e ? reject(e) : resolve(),
    ),
  );
}

async function api<T>(p: string, status = 200): Promise<T> {
  const res = await fx.api(p);
  const body = await res.text();
  assert.equal(res.status, status, `${p}: ${body}`);
  return JSON.parse(body) as T;
}

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const MIN = 60_000;

function costWindow(start: number, auditdCpuMs: number, lostDelta = 0): HostCostWindow {
  return {
    windowStartMs: start,
    windowEndMs: start + MIN,
    samples: 6,
    coveredMs: MIN,
    products: [
      { name: 'auditd', product: 'auditd', cpuMs: auditdCpuMs, peakRssKb: 4000, peakHwmKb: 5000, processes: 1 },
      { name: 'mdatp_audisp_plugin', product: 'mdatp', cpuMs: Math.round(auditdCpuMs / 2), peakRssKb: 30000, peakHwmKb: 31000, processes: 1 },
    ],
    auditd: {
      enabled: 1,
      pid: 812,
      failure: 1,
      lostDelta,
      lostTotal: 100 + lostDelta,
      backlogMax: 3,
      backlogLimit: 8192,
      rateLimit: 0,
      backlogWaitActualDelta: 0,
      hasRules: true,
      rulesTotal: 3,
      rulesByProduct: [
        { name: 'mdatp', count: 2 },
        { name: '(no key)', count: 1 },
      ],
      hasLog: true,
      logBytes: 1 << 20,
      logRotations: 0,
      dispatch: 'overflow:syslog,q:2000',
      dispatchLossy: true,
      consumers: ['/opt/microsoft/mdatp/sbin/mdatp_audisp_plugin'],
    },
  };
}

function batch(hostId: string, sequence: number, start: number, events: number, hostCost: HostCostWindow[], execs: CountBatch['execs'] = []): CountBatch {
  return countBatch({ hostId, sequence, windowStartMs: start, windowEndMs: start + MIN, events, execs, hostCost });
}

test('cost windows ride on batches: stored once, per host over time, fleet-wide, before/after with medians and no-reduction flags', async () => {
  const a = await enroll('cost-a');
  const b = await enroll('cost-b');
  const noisy = [{ path: '/opt/agent/bin/syncagent', parentPath: '', user: 'root', count: 600 }];
  // Host a: 10 min before the push, noisy (6000 events/min, auditd 12 s/min); after: quiet.
  const aBatches: CountBatch[] = [];
  for (let i = 0; i < 20; i++) {
    const start = T0 + i * MIN;
    const quiet = i >= 10;
    aBatches.push(batch(a.hostId, i + 1, start, quiet ? 600 : 6000, [costWindow(start, quiet ? 1200 : 12000, i === 3 ? 7 : 0)], quiet ? [] : noisy));
  }
  // A bad window (end before start) is dropped, the batch is not.
  aBatches[0].hostCost.push({ ...costWindow(T0 - MIN, 1), windowEndMs: T0 - 2 * MIN });
  const acks = await upload(a.agentToken, aBatches);
  assert.equal(acks.length, 20);
  assert.ok(acks.every((x) => x.status === 1));
  // A resent batch changes nothing.
  const dup = await upload(a.agentToken, [aBatches[5]]);
  assert.equal(dup[0].status, 2);
  // Host b: nothing changes.
  await upload(
    b.agentToken,
    Array.from({ length: 20 }, (_, i) => batch(b.hostId, i + 1, T0 + i * MIN, 1000, [costWindow(T0 + i * MIN, 3000)])),
  );
  assert.equal(await fx.prisma.hostCostWindow.count({ where: { hostId: a.hostId } }), 20);
  assert.equal(await fx.prisma.hostProductCost.count({ where: { hostId: a.hostId } }), 40);

  const host = await api<{
    totals: Array<{ name: string; cpuSeconds: number; cpuPercent: number; peakRssKb: number }>;
    windows: Array<{
      windowStart: string;
      products: Array<{ name: string; cpuPercent: number }>;
      auditd: { lostDelta: number; logGrowthBytesPerHour: number; rulesByProduct: unknown };
    }>;
    findings: Array<{ code: string }>;
  }>(`/api/v1/cost/hosts/${a.hostId}`);
  assert.equal(host.windows.length, 20);
  assert.equal(host.windows[0].windowStart, new Date(T0).toISOString());
  assert.equal(host.windows[0].products[0].name, 'auditd');
  assert.equal(host.windows[0].products[0].cpuPercent, 20);
  assert.equal(host.windows[3].auditd.lostDelta, 7);
  assert.equal(host.windows[0].auditd.logGrowthBytesPerHour, 60 << 20);
  assert.deepEqual(host.windows[0].auditd.rulesByProduct, [
    { name: 'mdatp', count: 2 },
    { name: '(no key)', count: 1 },
  ]);
  assert.deepEqual(
    host.totals.find((t) => t.name === 'auditd'),
    { name: 'auditd', product: 'auditd', cpuSeconds: 132, cpuPercent: 11, peakRssKb: 4000, peakHwmKb: 5000, processes: 1 },
  );
  assert.deepEqual(host.findings.map((f) => f.code).sort(), ['audit-dispatch-lossy', 'audit-lost-events']);
  await api(`/api/v1/cost/hosts/00000000-0000-4000-8000-000000000000`, 404);

  const fleet = await api<{
    hostsReporting: number;
    topHosts: Array<{ hostId: string; cpuPercent: number; lostEvents: number }>;
    products: Array<{ name: string; hosts: number }>;
    hostsWithLostEvents: number;
  }>('/api/v1/cost/fleet?product=auditd');
  assert.equal(fleet.hostsReporting, 2);
  assert.deepEqual(
    fleet.topHosts.map((h) => [h.hostId, h.cpuPercent]),
    [
      [a.hostId, 11],
      [b.hostId, 5],
    ],
  );
  assert.equal(fleet.hostsWithLostEvents, 1);
  assert.deepEqual(
    fleet.products.map((p) => [p.name, p.hosts]),
    [['auditd', 2]],
  );

  const at = new Date(T0 + 10 * MIN).toISOString();
  type BA = {
    hosts: Array<{
      hostId: string;
      before: { eventsPerSecond: number; cpuPercent: number };
      after: { eventsPerSecond: number; cpuPercent: number };
      noReduction: boolean;
    }>;
    summary: { eventsPerSecond: { changePercent: { median: number; min: number; max: number } }; cpuPercent: { changePercent: { median: number } } };
    noReductionHosts: string[];
    noReduction: boolean;
    targeted: null | { execPaths: string[]; execsPerSecond: { before: { median: number }; after: { median: number } } };
  };
  const ba = await api<BA>(`/api/v1/cost/before-after?hostIds=${a.hostId},${b.hostId}&at=${at}&windowMinutes=10&product=auditd`);
  const ha = ba.hosts.find((h) => h.hostId === a.hostId)!;
  assert.deepEqual([ha.before.eventsPerSecond, ha.after.eventsPerSecond, ha.before.cpuPercent, ha.after.cpuPercent], [100, 10, 20, 2]);
  assert.deepEqual(ba.noReductionHosts, [b.hostId]);
  assert.deepEqual(ba.summary.eventsPerSecond.changePercent, { n: 2, median: -45, min: -90, max: 0 });
  assert.equal(ba.noReduction, false);
  // Only host b: nothing fell.
  assert.equal((await api<BA>(`/api/v1/cost/before-after?hostIds=${b.hostId}&at=${at}&windowMinutes=10`)).noReduction, true);
  await api(`/api/v1/cost/before-after?windowMinutes=10`, 400);

  // A push record: its time and its items (the noise it targeted).
  const [target] = await fx.prisma.$queryRaw<Array<{ id: string }>>`
    INSERT INTO policy_targets (id, name, kind, created_by) VALUES (gen_random_uuid(), 't', 'pull', 'spec') RETURNING id::text`;
  const [push] = await fx.prisma.$queryRaw<Array<{ id: string }>>`
    INSERT INTO policy_pushes (id, target_id, set_id, set_version, mode, items, item_count, digest, status, requested_by, created_at, delivered_at)
    VALUES (gen_random_uuid(), ${target.id}::uuid, gen_random_uuid(), 1, 'pull', ${JSON.stringify([{ type: 'audit-exe', value: '/opt/agent/bin/syncagent', user: '', applyToChildren: false }])}::jsonb,
            1, 'x', 'served', 'spec', ${new Date(T0)}, ${new Date(T0 + 10 * MIN)}) RETURNING id::text`;
  // Issue 14 item 4, the closed loop: a served pull proves nothing on a host; only hosts whose agent reports the
  // push's auditd rules applied are compared.
  type Confirmation = { confirmed: Array<{ hostId: string; basis: string }>; unconfirmed: Array<{ hostId: string; why: string }> };
  const unconfirmed = await api<BA & { confirmation: Confirmation }>(`/api/v1/cost/before-after?pushId=${push.id}&windowMinutes=10`);
  assert.equal(unconfirmed.hosts.length, 0);
  assert.deepEqual(unconfirmed.confirmation.unconfirmed.map((h) => h.hostId).sort(), [a.hostId, b.hostId].sort());
  assert.match(unconfirmed.confirmation.unconfirmed[0].why, /a pull push is not read back.*no report from this host’s agent/);
  const applied = (outcome: string) => [
    { itemId: '', type: 'audit-exe', value: '/opt/agent/bin/syncagent', outcome, reason: outcome === 'applied' ? '' : 'absent', rule: '' },
  ];
  await reportApply(a, 'applied', applied('applied'));
  await reportApply(b, 'applied', applied('skipped'));
  const onlyA = await api<BA & { confirmation: Confirmation }>(`/api/v1/cost/before-after?pushId=${push.id}&windowMinutes=10`);
  assert.deepEqual(
    onlyA.hosts.map((h) => h.hostId),
    [a.hostId],
  );
  assert.deepEqual(onlyA.confirmation.confirmed, [{ hostId: a.hostId, hostname: 'cost-a', basis: 'agent-applied' }]);
  await reportApply(b, 'partial', applied('applied'));
  const byPush = await api<BA & { confirmation: Confirmation }>(`/api/v1/cost/before-after?pushId=${push.id}&windowMinutes=10`);
  assert.equal(byPush.hosts.length, 2);
  assert.deepEqual(byPush.targeted!.execPaths, ['/opt/agent/bin/syncagent']);
  assert.equal(byPush.targeted!.execsPerSecond.before.median, 5); // host a 10/s, host b 0/s
  assert.equal(byPush.targeted!.execsPerSecond.after.median, 0);
});

test('a console push counts on its platform’s hosts only once the read-back verified it (issue 14 item 4)', async () => {
  const hosts = await fx.prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM hosts WHERE os = 'linux'`;
  assert.ok(hosts.length >= 2, 'the hosts of the first test');
  const [target] = await fx.prisma.$queryRaw<Array<{ id: string }>>`
    INSERT INTO policy_targets (id, name, kind, config, created_by)
    VALUES (gen_random_uuid(), 'intune-linux', 'intune', ${JSON.stringify({ platform: 'linux' })}::jsonb, 'spec') RETURNING id::text`;
  const consolePush = async (verified: boolean) =>
    (
      await fx.prisma.$queryRaw<Array<{ id: string }>>`
      INSERT INTO policy_pushes (id, target_id, set_id, set_version, mode, items, item_count, digest, status, verified, requested_by, created_at, delivered_at)
      VALUES (gen_random_uuid(), ${target.id}::uuid, gen_random_uuid(), 1, 'intune', ${JSON.stringify([{ type: 'process', value: '/opt/agent/bin/syncagent', user: '', applyToChildren: false }])}::jsonb,
              1, 'x', 'delivered', ${verified}, 'spec', ${new Date(T0)}, ${new Date(T0 + 10 * MIN)}) RETURNING id::text`
    )[0].id;
  type View = { hosts: unknown[]; confirmation: { confirmed: Array<{ basis: string }>; unconfirmed: Array<{ why: string }> } };
  const unverified = await api<View>(`/api/v1/cost/before-after?pushId=${await consolePush(false)}&windowMinutes=10`);
  assert.equal(unverified.hosts.length, 0);
  assert.match(unverified.confirmation.unconfirmed[0].why, /the intune read-back did not confirm this push/);
  const verified = await api<View>(`/api/v1/cost/before-after?pushId=${await consolePush(true)}&windowMinutes=10`);
  assert.equal(verified.hosts.length, 2);
  assert.deepEqual(
    verified.confirmation.confirmed.map((c) => c.basis),
    ['console-read-back', 'console-read-back'],
  );
});
