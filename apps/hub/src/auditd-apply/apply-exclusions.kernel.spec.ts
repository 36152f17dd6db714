import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestDatabase } from '@fleettune/db-tools';
import type { HostAuditdExclusionsView } from '@fleettune/api-contract';
import { AGENT_AUDITD_RULES_FILE_NAME, AGENT_AUDITD_RULE_KEY, agentRulesInListing, auditctlArgs } from '@fleettune/exporters';
import { auditUnavailable } from '@fleettune/host-cost/dist/testing/audit-kernel';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { AGENT_MAIN } from '../testing/agent-process';
import { openNoisyAuditHost } from '../testing/noisy-audit-host';

/**
 * Issue 14 item 2 done-when, on this machine's kernel: a host with some of the approved paths
 * present. The real agent counts the audit log into the hub while a noisy program runs; then
 * `fleettune-agent apply-exclusions --once` applies exactly the rules whose paths exist, reports the
 * others as skipped (shown at GET /hosts/{id}/auditd-exclusions), leaves the host's own rules as they
 * were, and the hub's before/after shows the noise falling. Rejecting the item removes its rule.
 */
const unavailable = auditUnavailable();
const ENROLL = 'apply-kernel-enroll-secret-000000';
const ADMIN = 'apply-kernel-admin-token-00000000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`  [apply kernel] ${m}\n`);
const listing = () => execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
const hostRules = (l: string) =>
  l.split('\n').filter((r) => r.trim() && !r.includes(`key=${AGENT_AUDITD_RULE_KEY}`) && !r.includes(`-k ${AGENT_AUDITD_RULE_KEY}`));

let db: TestDatabase;
let hub: RunningHub;

before(async () => {
  if (unavailable) return;
  ({ db, hub } = await startTestHub('apply_exclusions_kernel', { FLEETTUNE_ENROLL_SECRET: ENROLL, FLEETTUNE_ADMIN_TOKEN: ADMIN }));
});

after(async () => {
  await hub?.close();
  await db?.drop();
});

async function api<T>(p: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${hub.httpPort}${p}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = await res.text();
  assert.equal(res.status, 200, `${p}: ${body}`);
  return JSON.parse(body) as T;
}

const decide = (itemId: string, decision: 'approved' | 'rejected') =>
  api(`/api/v1/exclusion-items/${itemId}/decision`, { method: 'POST', body: JSON.stringify({ decision, comment: 'apply kernel spec' }) });

test(
  'apply-exclusions applies exactly the present paths, reports the rest skipped, leaves the host rules alone; the noise falls; rejection removes the rule',
  { skip: unavailable, timeout: 600_000 },
  async () => {
    const host = await openNoisyAuditHost('ftaa-e2e', log);
    const { noisy, dir, stateDir } = host;
    const rulesDir = path.join(dir, 'rules.d');
    const spool = path.join(dir, 'spool');
    fs.mkdirSync(spool);
    const absent = `/nonexistent-fleettune-${process.pid}`;
    // Not spawnSync: the hub answering the agent runs in this process.
    const applyOnce = async () => {
      const child = spawn(
        process.execPath,
        [AGENT_MAIN, 'apply-exclusions', '--hub', `127.0.0.1:${hub.grpcPort}`, '--state-dir', stateDir, '--rules-dir', rulesDir, '--once'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      log(`apply-exclusions: ${stderr.trim()}`);
      assert.equal(code, 0, stderr);
    };
    try {
      // The host's own rules (openNoisyAuditHost's): only the workload's execs and a 5/s heartbeat so windows keep coming.
      // An approved set: two items whose paths exist here, two whose paths do not, one pending.
      const prisma = hub.app.get(PrismaService);
      const item = (type: string, value: string, isDirectory = false) => ({
        type,
        value,
        isDirectory,
        reason: 'apply kernel spec',
        risk: { level: 'low', flags: [] },
        evidence: { platforms: ['linux'] },
      });
      const set = await prisma.exclusionSet.create({
        data: {
          params: {},
          items: {
            create: [
              item('audit-exe', noisy.binary),
              item('audit-exe', `${absent}/bin/gone`),
              item('audit-dir', spool, true),
              item('audit-dir', `${absent}/spool`, true),
              item('audit-exe', '/usr/bin/pending-never-approved'),
            ],
          },
        },
        include: { items: true },
      });
      const byValue = new Map(set.items.map((i) => [i.value, i.id]));
      for (const i of set.items) if (i.value !== '/usr/bin/pending-never-approved') await decide(i.id, 'approved');

      const agent = host.startAgent({ hubAddress: `127.0.0.1:${hub.grpcPort}`, enrollSecret: ENROLL, windowSeconds: 10, args: ['--max-cpu-percent', '0'] });
      const deadline = Date.now() + 60_000;
      while (!fs.existsSync(path.join(stateDir, 'credentials.json'))) {
        if (Date.now() > deadline) throw new Error(`agent did not enroll:\n${agent.output()}`);
        await sleep(200);
      }
      const hostId = (JSON.parse(fs.readFileSync(path.join(stateDir, 'credentials.json'), 'utf8')) as { hostId: string }).hostId;

      // 30 s of noise, then the exclusions applied (the change is when the agent is done), then 30 s more.
      await sleep(30_000);
      const hostBefore = hostRules(listing());
      await applyOnce();
      const at = Date.now();
      const end = at + 30_000;
      const loaded = listing();
      assert.deepEqual(hostRules(loaded), hostBefore, 'the host rules are untouched, in their order');
      assert.deepEqual(
        agentRulesInListing(loaded)
          .map((t) => t.exe ?? t.dir)
          .sort(),
        [noisy.binary, spool].sort(),
        'exactly the rules whose paths exist',
      );
      assert.ok(!loaded.includes(absent));
      const file = fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8');
      assert.equal(file.split('\n').filter((l) => l.startsWith('-A ')).length, 2);

      const view = await api<HostAuditdExclusionsView>(`/api/v1/hosts/${hostId}/auditd-exclusions`);
      assert.equal(view.report?.state, 'applied');
      assert.equal(view.current.reportIsCurrent, true);
      const outcome = Object.fromEntries(view.report!.lines.map((l) => [l.value, l.outcome]));
      assert.deepEqual(outcome, { [noisy.binary]: 'applied', [spool]: 'applied', [`${absent}/bin/gone`]: 'skipped', [`${absent}/spool`]: 'skipped' });
      assert.ok(view.report!.lines.filter((l) => l.outcome === 'skipped').every((l) => /not present on this host/.test(l.reason)));

      await sleep(end - Date.now());
      // The hub has the windows through `end` (they ride on the next batches).
      const ba = await (async () => {
        const until = Date.now() + 60_000;
        for (;;) {
          const b = await api<{
            hosts: Array<{ before: { eventsPerSecond: number }; after: { eventsPerSecond: number }; change: { eventsPerSecondPercent: number } }>;
          }>(`/api/v1/cost/before-after?hostIds=${hostId}&at=${new Date(at).toISOString()}&windowMinutes=0.5`);
          const batches = await prisma.ingestBatch.count({ where: { hostId, windowEnd: { gte: new Date(end) } } });
          if (batches > 0 && b.hosts.length === 1) return b;
          if (Date.now() > until) throw new Error(`no windows through ${new Date(end).toISOString()} at the hub; agent said:\n${agent.output()}`);
          await sleep(1000);
        }
      })();
      const h = ba.hosts[0];
      log(`before/after: events/s ${h.before.eventsPerSecond} -> ${h.after.eventsPerSecond} (${h.change.eventsPerSecondPercent.toFixed(0)}%)`);
      assert.ok(h.before.eventsPerSecond > 5, 'the program was noisy before');
      assert.ok(h.change.eventsPerSecondPercent <= -50, 'its noise fell once the exclusions were applied');

      // Rejected: the next round removes its rule, keeps the other, and the host rules.
      await decide(byValue.get(noisy.binary)!, 'rejected');
      await applyOnce();
      const afterReject = listing();
      assert.deepEqual(
        agentRulesInListing(afterReject).map((t) => t.exe ?? t.dir),
        [spool],
      );
      assert.deepEqual(hostRules(afterReject), hostBefore);
      const shown = await api<HostAuditdExclusionsView>(`/api/v1/hosts/${hostId}/auditd-exclusions`);
      assert.deepEqual([shown.report?.applied, shown.report?.skipped, shown.current.reportIsCurrent], [1, 2, true]);
    } finally {
      // Ours first (exact shape and key), then the session's own rules and its auditd.
      await host.close(() => {
        for (const t of agentRulesInListing(listing())) spawnSync('auditctl', auditctlArgs('delete', t));
      });
    }
    assert.ok(!listing().includes(AGENT_AUDITD_RULE_KEY), 'no rule of ours is left');
  },
);
