import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { CostWindow, Finding, compareBeforeAfter, costFindings, spread } from '@fleettune/host-cost';
import type {
  AuditdHealthView,
  BeforeAfterView,
  CostWindowView as ContractCostWindowView,
  FleetCostView,
  HostCostView as ContractHostCostView,
  ProductCostView,
} from '@fleettune/api-contract';
import { BeforeAfterQuery, FleetCostQuery, HostCostQuery } from './cost-query.dto';
import { HostCostRepository, ProductRow, PushRow, WindowRow } from './host-cost.repository';
import { auditdValues, confirmPushOnHosts, consolePlatform } from './push-confirmation';
import { isConsoleConnectorKind } from '../policy-push/connectors/policy-console-connector';

/** Views as the hub builds them (Date timestamps); the contract lib is the one definition the dashboard shares. */
export type { AuditdHealthView, ProductCostView };
export type CostWindowView = ContractCostWindowView<Date>;
export type HostCostView = ContractHostCostView<Date>;

const num = (v: bigint | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

function productView(name: string, product: string, cpuMs: number, coveredMs: number, rss: number, hwm: number, procs: number): ProductCostView {
  return {
    name,
    product,
    cpuSeconds: round(cpuMs / 1000),
    cpuPercent: coveredMs > 0 ? round((cpuMs / coveredMs) * 100) : 0,
    peakRssKb: rss,
    peakHwmKb: hwm,
    processes: procs,
  };
}

function auditdView(r: WindowRow): AuditdHealthView | null {
  if (r.auditd_enabled === null) return null;
  const seconds = Math.max(1, r.covered_ms) / 1000;
  return {
    enabled: r.auditd_enabled,
    pid: r.auditd_pid,
    lostDelta: num(r.lost_delta),
    lostTotal: num(r.lost_total),
    backlogMax: r.backlog_max,
    backlogLimit: r.backlog_limit,
    rateLimit: r.rate_limit,
    backlogWaitDelta: num(r.backlog_wait_delta),
    rulesTotal: r.rules_total,
    rulesByProduct: r.rules_by_product,
    logBytes: num(r.log_bytes),
    logRotations: r.log_rotations,
    logGrowthBytesPerHour: r.log_bytes === null ? null : Math.round((Number(r.log_bytes) / seconds) * 3600),
    logRotationsPerDay: r.log_rotations === null ? null : round((r.log_rotations / seconds) * 86400, 1),
    dispatch: r.dispatch,
    dispatchLossy: r.dispatch_lossy,
    consumers: r.consumers,
  };
}

/** Host and fleet cost views and before/after comparisons; the statements live in HostCostRepository. */
@Injectable()
export class CostService {
  constructor(private readonly costs: HostCostRepository) {}

  async hostCost(hostId: string, q: HostCostQuery): Promise<HostCostView> {
    const hostname = await this.costs.hostname(hostId);
    if (hostname === null) throw new NotFoundException(`host ${hostId} not found`);
    const windows = await this.costs.windows(hostId, { since: q.since, until: q.until, limit: q.limit });
    const first = windows[0]?.window_start;
    const products = first ? await this.costs.products(hostId, first, q.until, q.product) : [];
    const byWindow = new Map<number, ProductRow[]>();
    for (const p of products) {
      const k = p.window_start.getTime();
      byWindow.set(k, [...(byWindow.get(k) ?? []), p]);
    }
    const views: CostWindowView[] = windows.map((w) => ({
      windowStart: w.window_start,
      windowEnd: w.window_end,
      samples: w.samples,
      coveredMs: w.covered_ms,
      products: (byWindow.get(w.window_start.getTime()) ?? [])
        .map((p) => productView(p.name, p.product, Number(p.cpu_ms), w.covered_ms, Number(p.peak_rss_kb), Number(p.peak_hwm_kb), p.processes))
        .sort((a, b) => b.cpuSeconds - a.cpuSeconds),
      auditd: auditdView(w),
    }));
    const covered = windows.reduce((s, w) => s + w.covered_ms, 0);
    const totals = new Map<string, { name: string; product: string; cpu: number; rss: number; hwm: number; procs: number }>();
    for (const p of products) {
      const k = `${p.product}\u0000${p.name}`;
      const t = totals.get(k) ?? { name: p.name, product: p.product, cpu: 0, rss: 0, hwm: 0, procs: 0 };
      t.cpu += Number(p.cpu_ms);
      t.rss = Math.max(t.rss, Number(p.peak_rss_kb));
      t.hwm = Math.max(t.hwm, Number(p.peak_hwm_kb));
      t.procs = Math.max(t.procs, p.processes);
      totals.set(k, t);
    }
    return {
      hostId,
      hostname,
      since: q.since ?? null,
      until: q.until ?? null,
      totals: [...totals.values()]
        .map((t) => productView(t.name, t.product, t.cpu, covered, t.rss, t.hwm, t.procs))
        .sort((a, b) => b.cpuSeconds - a.cpuSeconds),
      windows: views,
      findings: this.findings(windows, [...totals.values()]),
    };
  }

  /** Findings over a range: the windows folded into one (lost summed, backlog max, latest settings). */
  private findings(windows: WindowRow[], totals: Array<{ name: string; product: string; cpu: number; rss: number; hwm: number; procs: number }>): Finding[] {
    if (windows.length === 0) return [];
    const last = windows[windows.length - 1];
    const withAudit = windows.filter((w) => w.auditd_enabled !== null);
    const la = withAudit[withAudit.length - 1];
    const sum = (f: (w: WindowRow) => bigint | number | null) => withAudit.reduce((s, w) => s + Number(f(w) ?? 0), 0);
    const hasLog = withAudit.some((w) => w.log_bytes !== null);
    const folded: CostWindow = {
      windowStartMs: windows[0].window_start.getTime(),
      windowEndMs: last.window_end.getTime(),
      samples: windows.reduce((s, w) => s + w.samples, 0),
      coveredMs: windows.reduce((s, w) => s + w.covered_ms, 0),
      products: totals.map((t) => ({ name: t.name, product: t.product, cpuMs: t.cpu, peakRssKb: t.rss, peakHwmKb: t.hwm, processes: t.procs })),
      auditd: la && {
        enabled: la.auditd_enabled ?? 0,
        pid: la.auditd_pid ?? 0,
        lostDelta: sum((w) => w.lost_delta),
        lostTotal: Number(la.lost_total ?? 0),
        backlogMax: Math.max(...withAudit.map((w) => w.backlog_max ?? 0)),
        backlogLimit: la.backlog_limit ?? 0,
        rateLimit: la.rate_limit ?? 0,
        backlogWaitActualDelta: sum((w) => w.backlog_wait_delta),
        logBytes: hasLog ? sum((w) => w.log_bytes) : undefined,
        logRotations: hasLog ? sum((w) => w.log_rotations) : undefined,
        dispatch: la.dispatch ?? undefined,
        dispatchLossy: la.dispatch_lossy ?? undefined,
        consumers: la.consumers ?? undefined,
      },
    };
    return costFindings({ window: folded });
  }

  async fleet(q: FleetCostQuery): Promise<FleetCostView<Date>> {
    const perHost = await this.costs.fleetPerHost(q.since, q.until, q.product);
    const hosts = perHost.map((h) => {
      const covered = Number(h.covered_ms);
      return {
        hostId: h.host_id,
        hostname: h.hostname,
        cpuSeconds: round(Number(h.cpu_ms) / 1000),
        cpuPercent: covered > 0 ? round((Number(h.cpu_ms) / covered) * 100) : 0,
        peakRssKb: Number(h.peak_rss_kb),
        lostEvents: num(h.lost),
        logGrowthBytesPerHour: h.log_bytes === null || covered === 0 ? null : Math.round((Number(h.log_bytes) / covered) * 3_600_000),
        windows: Number(h.windows),
        lastWindowEnd: h.last_window,
      };
    });
    const byProduct = await this.costs.fleetByProduct(q.since, q.until, q.product);
    return {
      since: q.since ?? null,
      until: q.until ?? null,
      product: q.product ?? null,
      hostsReporting: hosts.length,
      cpuPercentAcrossHosts: spread(hosts.map((h) => h.cpuPercent)),
      hostsWithLostEvents: hosts.filter((h) => (h.lostEvents ?? 0) > 0).length,
      products: byProduct.map((p) => ({
        product: p.product,
        name: p.name,
        hosts: Number(p.hosts),
        cpuSeconds: round(Number(p.cpu_ms) / 1000),
        peakRssKb: Number(p.peak_rss_kb),
      })),
      topHosts: hosts.sort((a, b) => b.cpuPercent - a.cpuPercent || b.cpuSeconds - a.cpuSeconds).slice(0, q.top),
    };
  }

  async beforeAfter(q: BeforeAfterQuery): Promise<BeforeAfterView<Date>> {
    let at = q.at;
    let push: { id: string; setVersion: number; status: string; itemCount: number } | null = null;
    let pushRow: PushRow | null = null;
    let execPaths: string[] = [];
    if (q.pushId) {
      const p = await this.costs.push(q.pushId);
      if (!p) throw new NotFoundException(`push ${q.pushId} not found`);
      pushRow = p;
      push = { id: p.id, setVersion: p.set_version, status: p.status, itemCount: p.item_count };
      at ??= p.delivered_at ?? p.created_at;
      const items = Array.isArray(p.items) ? (p.items as Array<{ type?: string; value?: string }>) : [];
      execPaths = items.filter((i) => (i.type === 'process' || i.type === 'audit-exe') && typeof i.value === 'string').map((i) => i.value!);
    }
    if (!at) throw new BadRequestException('pass at=<ISO time> or pushId');
    const W = Math.round(q.windowMinutes * 60_000);
    const before = { start: new Date(at.getTime() - W), end: at };
    const after = { start: at, end: new Date(at.getTime() + W) };
    const seconds = W / 1000;
    const period = async (p: { start: Date; end: Date }) => {
      const { events, cpu, covered, targeted } = await this.costs.periodSums(p, { hostIds: q.hostIds, source: q.source, product: q.product, execPaths });
      const m = new Map<string, { events?: number; cpuMs?: number; coveredMs?: number; targeted?: number }>();
      const get = (id: string) => m.get(id) ?? (m.set(id, {}), m.get(id)!);
      for (const r of events) get(r.host_id).events = Number(r.events);
      for (const r of cpu) get(r.host_id).cpuMs = Number(r.cpu_ms);
      for (const r of covered) get(r.host_id).coveredMs = Number(r.covered_ms);
      for (const r of targeted) get(r.host_id).targeted = Number(r.count);
      return m;
    };
    const [b, a] = await Promise.all([period(before), period(after)]);
    // Hosts compared: those asked for, else those with data in both periods; of a push, only where it is confirmed in force.
    const candidates = q.hostIds ?? [...b.keys()].filter((id) => a.has(id));
    const check = pushRow
      ? confirmPushOnHosts(
          pushRow,
          candidates,
          new Set(isConsoleConnectorKind(pushRow.mode) ? await this.costs.hostIdsOnPlatform(consolePlatform(pushRow)) : []),
          await this.costs.auditdApplied(auditdValues(pushRow.items)),
        )
      : null;
    const ids = check ? candidates.filter((id) => check.confirmed.has(id)) : candidates;
    const names = await this.costs.hostnames(candidates);
    const measures = (x?: { events?: number; cpuMs?: number; coveredMs?: number }) => ({
      eventsPerSecond: x?.events !== undefined ? round(x.events / seconds, 4) : 0,
      cpuPercent: x?.coveredMs ? round(((x.cpuMs ?? 0) / x.coveredMs) * 100, 4) : undefined,
      costCoverage: round((x?.coveredMs ?? 0) / W, 3),
    });
    const report = compareBeforeAfter(
      ids.filter((id) => names.has(id)).map((id) => ({ hostId: id, hostname: names.get(id), before: measures(b.get(id)), after: measures(a.get(id)) })),
      { minReductionPercent: q.minReductionPercent },
    );
    const targetedRate = (m: typeof b) => spread(ids.map((id) => (m.get(id)?.targeted ?? 0) / seconds));
    return {
      at,
      windowMinutes: q.windowMinutes,
      before,
      after,
      push,
      targeted: execPaths.length ? { execPaths, execsPerSecond: { before: targetedRate(b), after: targetedRate(a) } } : null,
      confirmation: check
        ? {
            confirmed: [...check.confirmed].map(([hostId, basis]) => ({ hostId, hostname: names.get(hostId), basis })),
            unconfirmed: [...check.unconfirmed].map(([hostId, why]) => ({ hostId, hostname: names.get(hostId), why })),
          }
        : null,
      ...report,
    };
  }
}
