/**
 * Security review finding 1 (issue 13), reproduced through the real hub: agents enroll and upload over
 * gRPC, a reviewer approves over REST, recomputes run the engine, and a pull target is read as a
 * viewer. An approval binds the scope it was made on: a later widening is pending and flagged, and
 * no pull serves it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAck_Status, CountBatch } from '@fleettune/proto';
import { digestToken } from '../auth/token-digest';
import { PrismaService } from '../database/prisma.service';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { ONE_ADDRESS_AGENTS_ENV, SpecHost, enrollSpecHost, nextWindow } from '../testing/agent-enroll';
import { ExclusionRecomputeService } from './exclusion-recompute.service';

const ADMIN = 'scope-binding-admin-token-0000000';
const VIEWER = 'scope-binding-viewer-token-000000';
const ENROLL = 'scope-binding-enroll-secret-00000';
const T0 = Date.UTC(2026, 10, 18, 8, 0, 0);
let pullTarget: string;

type Item = {
  id: string;
  type: string;
  value: string;
  applyToChildren: boolean;
  isDirectory: boolean;
  risk: { level: string; flags: string[] };
  decision: { status: string; widened?: string[]; narrowed?: string[]; scopeDigest?: string };
};
type Agent = SpecHost;

const fx = useTestHub('approval_scope_binding', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL, ...ONE_ADDRESS_AGENTS_ENV }, async () => {
  await fx.hub.app.get(PrismaService).apiToken.create({ data: { name: 'viewer', role: 'viewer', tokenHash: digestToken(VIEWER) } });
  pullTarget = (await fx.call('POST', '/api/v1/policy-targets', { name: 'jamf', kind: 'pull' })).body.id;
});

const enroll = (hostname: string): Promise<Agent> => enrollSpecHost(fx.client, ENROLL, hostname, 'linux', 'test');

async function send(agent: Agent, minute: number, rows: { execs?: CountBatch['execs']; files?: CountBatch['files'] }): Promise<void> {
  const acks = await uploadBatches(fx.client, agent.token, [nextWindow(agent, T0 + minute * 60_000, 'linux-audit', rows)]);
  assert.deepEqual(
    acks.map((a) => a.status),
    [BatchAck_Status.COMMITTED],
  );
}

async function recomputeLatest(): Promise<{ id: string; version: number; items: Item[] }> {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  return (await fx.call('GET', '/api/v1/exclusion-sets/latest')).body;
}

type CiscoV3 = { exclusionType: string; path?: string; process?: { path: string }; engineSettings?: { fileScan: { applyToChildProcesses: boolean } } };

/** The pulled Cisco exclusions (API v3 shape since issue 19: the child scope is engineSettings.fileScan's), child scope beside the process path. */
async function pulled(): Promise<{ exclusionType: string; path?: string; process?: { path: string; applyToChildProcesses: boolean } }[]> {
  const r = await fx.call('GET', `/api/v1/policy-targets/${pullTarget}/export?format=cisco-json`, undefined, VIEWER);
  assert.equal(r.status, 200);
  const data = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body).data as CiscoV3[];
  return data.map((d) => ({
    exclusionType: d.exclusionType,
    path: d.path,
    process: d.process ? { path: d.process.path, applyToChildProcesses: d.engineSettings?.fileScan.applyToChildProcesses ?? false } : undefined,
  }));
}

const find = (set: { items: Item[] }, type: string, value: string) => set.items.find((i) => i.type === type && i.value === value);

/** Enrolls `<name>-a` and `<name>-b`, both send `rows` at `minute`; the two hosts and the recomputed set's item of `type` and `value`. */
async function twoHostsMake(name: string, minute: number, rows: Parameters<typeof send>[2], type: string, value: string) {
  const [a, b] = [await enroll(`${name}-a`), await enroll(`${name}-b`)];
  for (const agent of [a, b]) await send(agent, minute, rows);
  const set = await recomputeLatest();
  const item = find(set, type, value)!;
  assert.ok(item, JSON.stringify(set.items.map((i) => i.value)));
  return { a, b, item };
}

test('review attack: /bin/bash as a child turns an approved low-risk process into apply-to-children: pending, flagged, never pulled', async () => {
  const daemon = '/opt/acme/bin/acmed';
  const execs = [{ path: daemon, parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 5000 }];
  const { a, b, item } = await twoHostsMake('bind', 0, { execs }, 'process', daemon);
  assert.deepEqual([item.applyToChildren, item.risk.level], [false, 'low']);
  const approved = await fx.call('POST', `/api/v1/exclusion-items/${item.id}/decision`, { decision: 'approved', comment: 'vendor daemon' });
  assert.equal(approved.body.decision.status, 'approved');
  assert.match(approved.body.decision.scopeDigest, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    (await pulled()).filter((e) => e.process?.path === daemon).map((e) => e.process!.applyToChildProcesses),
    [false],
  );

  // One compromised host alone: below the fleet bar, the item is not widened at all and stays served as reviewed.
  await send(a, 20, { execs: [{ path: '/bin/bash', parentPath: daemon, user: 'root', count: 5000 }] });
  const v2 = await recomputeLatest();
  const still = find(v2, 'process', daemon)!;
  assert.deepEqual([still.applyToChildren, still.decision.status], [false, 'approved']);

  // Both hosts (or two compromised ones) now run /bin/bash under it: the engine widens the item.
  await send(b, 20, { execs: [{ path: '/bin/bash', parentPath: daemon, user: 'root', count: 5000 }] });
  const v3 = await recomputeLatest();
  const widened = find(v3, 'process', daemon)!;
  assert.deepEqual([widened.applyToChildren, widened.risk.level], [true, 'high']);
  assert.equal(widened.decision.status, 'pending', 'an approval of the narrower scope does not cover apply-to-children');
  assert.ok(widened.decision.widened?.includes('applyToChildren false→true'), JSON.stringify(widened.decision));
  assert.ok(widened.decision.widened?.includes('risk.level low→high'));
  const diff = (await fx.call('GET', `/api/v1/exclusion-sets/${v3.id}/diff`)).body;
  const flagged = diff.changed.find((c: { type: string; value: string }) => c.type === 'process' && c.value === daemon);
  assert.ok(flagged?.widened?.includes('applyToChildren false→true'), JSON.stringify(diff.changed));
  const served = await pulled();
  assert.ok(!served.some((e) => e.process?.applyToChildProcesses === true), JSON.stringify(served));
  assert.ok(!served.some((e) => e.process?.path === daemon));
  // The default REST export (approved only) does not carry it either.
  const exported = await fx.call('GET', `/api/v1/exclusion-sets/${v3.id}/export?format=cisco-json`, undefined, VIEWER);
  assert.ok(!JSON.stringify(exported.body).includes(daemon));

  // A reviewer approves the wider scope explicitly: now it is served, with children.
  await fx.call('POST', `/api/v1/exclusion-items/${widened.id}/decision`, { decision: 'approved', comment: 'children reviewed' });
  assert.deepEqual(
    (await pulled()).filter((e) => e.process?.path === daemon).map((e) => e.process!.applyToChildProcesses),
    [true],
  );
});

test('a file approved as one path is pending again when numbered files make it a whole directory (isDirectory widened)', async () => {
  const dir = '/opt/acme/spool/queue';
  const files = [{ path: dir, op: 'modify', processPath: '/opt/acme/bin/acmed', count: 4000 }];
  const { a, b, item } = await twoHostsMake('dir', 40, { files }, 'path', dir);
  assert.equal(item.isDirectory, false);
  await fx.call('POST', `/api/v1/exclusion-items/${item.id}/decision`, { decision: 'approved', comment: 'queue file' });
  assert.ok((await pulled()).some((e) => e.path === dir));

  // Eight days later (past the 7-day look-back, so the file's own rows are gone) numbered files in it
  // make the same value a whole-directory item.
  const numbered = [1, 2, 3, 4].map((k) => ({ path: `${dir}/${k}`, op: 'create', processPath: '/opt/acme/bin/acmed', count: 400 }));
  for (const agent of [a, b]) await send(agent, 8 * 24 * 60, { files: numbered });
  const v2 = await recomputeLatest();
  const widened = find(v2, 'path', dir)!;
  assert.equal(widened.isDirectory, true);
  assert.equal(widened.decision.status, 'pending');
  assert.ok(widened.decision.widened?.includes('isDirectory false→true'), JSON.stringify(widened.decision));
  assert.ok(!(await pulled()).some((e) => e.path === dir), 'the directory is not served on the file approval');
});
