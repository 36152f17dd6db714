import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import type { TestDatabase } from '@fleettune/db-tools';
import { parseAuditctlStatus } from '@fleettune/host-cost';
import { auditUnavailable, psCpuRss } from '@fleettune/host-cost/dist/testing/audit-kernel';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { openNoisyAuditHost } from '../testing/noisy-audit-host';

/**
 * End to end on this machine's kernel: the real agent (`run`, following the
 * audit log, sampling auditd's cost every 2 s) streams to an in-process hub
 * while a noisy exec workload runs; an auditd exclusion (-A never,exit -F
 * exe=) is pushed half-way. The hub's per-host cost must match ps/auditctl
 * taken at the window boundaries, and its before/after report must show the
 * event rate and auditd CPU falling.
 */
const unavailable = auditUnavailable();
const ENROLL = 'cost-kernel-enroll-secret-000000';
const ADMIN = 'cost-kernel-admin-token-00000000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`  [cost kernel] ${m}\n`);

let db: TestDatabase;
let hub: RunningHub;

before(async () => {
  if (unavailable) return;
  ({ db, hub } = await startTestHub('cost_kernel', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
  }));
});

after(async () => {
  await hub?.close();
  await db?.drop();
});

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${hub.httpPort}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const body = await res.text();
  assert.equal(res.status, 200, `${p}: ${body}`);
  return JSON.parse(body) as T;
}

interface WindowView {
  windowStart: string;
  windowEnd: string;
  coveredMs: number;
  products: Array<{ name: string; cpuSeconds: number; cpuPercent: number; peakRssKb: number }>;
  auditd: {
    enabled: number;
    lostTotal: number;
    lostDelta: number;
    backlogMax: number;
    backlogLimit: number;
    rulesTotal: number;
    logGrowthBytesPerHour: number | null;
  } | null;
}

test(
  'agent -> hub: auditd cost per host matches ps/auditctl; before/after an auditd exclusion shows events and CPU falling',
  { skip: unavailable, timeout: 900_000 },
  async () => {
    const host = await openNoisyAuditHost('fthc-e2e', log);
    const { session, noisy } = host;
    try {
      const agent = host.startAgent({
        hubAddress: `127.0.0.1:${hub.grpcPort}`,
        enrollSecret: ENROLL,
        windowSeconds: 10,
        env: { ...process.env, FLEETTUNE_COST_INTERVAL_SECONDS: '2', FLEETTUNE_COST_PROCESSES: 'auditd' },
      });
      // ps and auditctl -s at window boundaries (the agent samples on them too).
      const marks = new Map<number, { cpu: number; rss: number; lost: number; backlog: number; backlogLimit: number }>();
      const markAt = async (t: number) => {
        await sleep(Math.max(0, t - Date.now()));
        const ps = psCpuRss(session.auditdPid);
        const st = parseAuditctlStatus(execFileSync('auditctl', ['-s'], { encoding: 'utf8' }))!;
        marks.set(t, { cpu: ps.cpuSeconds, rss: ps.rssKb, lost: st.lost, backlog: st.backlog ?? 0, backlogLimit: st.backlogLimit ?? 0 });
      };
      const t0 = Math.ceil((Date.now() + 3000) / 10_000) * 10_000;
      const at = t0 + 30_000;
      const end = at + 30_000;
      for (let t = t0; t < at; t += 10_000) await markAt(t);
      await markAt(at);
      session.addRule(['-A', 'never,exit', '-F', `exe=${noisy.binary}`]);
      log(`exclusion at ${new Date(at).toISOString()}: -A never,exit -F exe=${noisy.binary}`);
      for (let t = at + 10_000; t <= end; t += 10_000) await markAt(t);
      await noisy.stop();

      // Wait until the hub has the agent's cost windows through `end` (they ride on the next batches).
      const hosts = await (async () => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const hs = await api<Array<{ id: string; hostname: string }>>('/api/v1/hosts');
          const h = hs.find((x) => x.hostname === `fthc-e2e-${process.pid}`);
          if (h) {
            const v = await api<{ windows: WindowView[] }>(`/api/v1/cost/hosts/${h.id}?since=${new Date(t0).toISOString()}`);
            if (v.windows.some((w) => Date.parse(w.windowEnd) >= end)) return { id: h.id, view: v };
          }
          if (Date.now() > deadline) throw new Error(`no cost windows through ${new Date(end).toISOString()} at the hub; agent said:\n${agent.output()}`);
          await sleep(1000);
        }
      })();
      const windows = hosts.view.windows.filter((w) => Date.parse(w.windowStart) >= t0 && Date.parse(w.windowEnd) <= end);
      assert.equal(windows.length, 6, JSON.stringify(hosts.view.windows.map((w) => w.windowStart)));
      const cpuOf = (w: WindowView) => w.products.find((p) => p.name === 'auditd')?.cpuSeconds ?? 0;
      // auditd CPU per window against ps at the window's boundaries (ps has whole seconds; the two reads are ms apart).
      for (const w of windows) {
        const a = marks.get(Date.parse(w.windowStart))!;
        const b = marks.get(Date.parse(w.windowEnd))!;
        assert.ok(Math.abs(cpuOf(w) - (b.cpu - a.cpu)) <= 1.1, `window ${w.windowStart}: hub ${cpuOf(w)} s, ps ${b.cpu - a.cpu} s`);
        assert.ok(w.auditd, 'auditd health present');
        assert.ok(Math.abs(w.auditd!.lostTotal - b.lost) <= 5, `lost: hub ${w.auditd!.lostTotal}, auditctl ${b.lost}`);
        // The backlog moves from moment to moment (the agent spec compares it sample by sample); here: the limit, and no overflow.
        assert.equal(w.auditd!.backlogLimit, b.backlogLimit);
        assert.ok(w.auditd!.backlogMax < w.auditd!.backlogLimit, `backlog: hub max ${w.auditd!.backlogMax}, auditctl now ${b.backlog}`);
        assert.equal(w.auditd!.enabled >= 1, true);
      }
      const hubCpu = windows.reduce((s, w) => s + cpuOf(w), 0);
      const psCpu = marks.get(end)!.cpu - marks.get(t0)!.cpu;
      log(`auditd CPU ${new Date(t0).toISOString()}..+60 s: hub ${hubCpu.toFixed(2)} s, ps ${psCpu} s; lost ${marks.get(t0)!.lost} -> ${marks.get(end)!.lost}`);
      assert.ok(Math.abs(hubCpu - psCpu) <= 1.1);

      // Before/after at the exclusion, over 30 s each side.
      const ba = await api<{
        hosts: Array<{
          before: { eventsPerSecond: number; cpuPercent: number };
          after: { eventsPerSecond: number; cpuPercent: number };
          change: { eventsPerSecondPercent: number; cpuPercentPercent: number };
          noReduction: boolean;
        }>;
        summary: { eventsPerSecond: { changePercent: { median: number; min: number; max: number } }; cpuPercent: { changePercent: { median: number } } };
        noReduction: boolean;
      }>(`/api/v1/cost/before-after?hostIds=${hosts.id}&at=${new Date(at).toISOString()}&windowMinutes=0.5`);
      const h = ba.hosts[0];
      log(
        `before/after: events/s ${h.before.eventsPerSecond} -> ${h.after.eventsPerSecond} (${h.change.eventsPerSecondPercent.toFixed(0)}%), ` +
          `auditd CPU ${h.before.cpuPercent}% -> ${h.after.cpuPercent}% (${h.change.cpuPercentPercent.toFixed(0)}%)`,
      );
      assert.ok(h.before.eventsPerSecond > 5);
      assert.ok(h.change.eventsPerSecondPercent <= -50, 'event rate fell');
      assert.ok(h.change.cpuPercentPercent < 0, 'auditd CPU fell');
      assert.equal(h.noReduction, false);
      assert.equal(ba.noReduction, false);
      assert.equal(ba.summary.eventsPerSecond.changePercent.median, h.change.eventsPerSecondPercent);

      const fleet = await api<{ topHosts: Array<{ hostId: string; cpuPercent: number }> }>('/api/v1/cost/fleet');
      assert.equal(fleet.topHosts[0].hostId, hosts.id);
    } finally {
      await host.close();
    }
  },
);
