import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { CostWindow, Finding, compareBeforeAfter, costFindings, spread } from '@fleettune/host-cost';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import type {
  AuditdHealthView,
  BeforeAfterView,
  CostWindowView as ContractCostWindowView,
  FleetCostView,
  HostCostView as ContractHostCostView,
  ProductCostView,
} from '@fleettune/api-contract';
import { BeforeAfterQuery, FleetCostQuery, HostCostQuery } from './cost-query.dto';

/** Views as the hub builds them (Date timestamps); the contract lib is the one definition the dashboard shares. */
export type { AuditdHealthView, ProductCostView };
export type CostWindowView = ContractCostWindowView<Date>;
export type HostCostView = ContractHostCostView<Date>;

interface WindowRow {
  window_start: Date;
  window_end: Date;
  samples: number;
  covered_ms: number;
  auditd_enabled: number | null;
  auditd_pid: number | null;
  lost_delta: bigint | null;
  lost_total: bigint | null;
  backlog_max: number | null;
  backlog_limit: number | null;
  rate_limit: number | null;
  backlog_wait_delta: bigint | null;
  rules_total: number | null;
  rules_by_product: Array<{ name: string; count: number }> | null;
  log_bytes: bigint | null;
  log_rotations: number | null;
  dispatch: string | null;
  dispatch_lossy: boolean | null;
  consumers: string[] | null;
}

interface ProductRow {
  window_start: Date;
  name: string;
  product: string;
  cpu_ms: bigint;
  peak_rss_kb: bigint;
  peak_hwm_kb: bigint;
  processes: number;
}

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

const rangeWhere = (col: Prisma.Sql, since?: Date, until?: Date) =>
  Prisma.sql`${since ? Prisma.sql`AND ${col} >= ${since}` : Prisma.empty} ${until ? Prisma.sql`AND ${col} < ${until}` : Prisma.empty}`;

/** Seconds of [start, end) covered by the rows' windows, as SQL (proportional overlap factor). */
const overlap = (start: Date, end: Date) =>
  Prisma.sql`GREATEST(0, EXTRACT(EPOCH FROM (LEAST(window_end, ${end}::timestamp(3)) - GREATEST(window_start, ${start}::timestamp(3)))))
             / NULLIF(EXTRACT(EPOCH FROM (window_end - window_start)), 0)`;

@Injectable()
export class CostService {
  constructor(private readonly prisma: PrismaService) {}

  async hostCost(hostId: string, q: HostCostQuery): Promise<HostCostView> {
    const host = await this.prisma.$queryRaw<Array<{ hostname: string }>>`SELECT hostname FROM hosts WHERE id = ${hostId}::uuid`;
    if (host.length === 0) throw new NotFoundException(`host ${hostId} not found`);
    const windows = (
      await this.prisma.$queryRaw<WindowRow[]>`
        SELECT * FROM host_cost_windows WHERE host_id = ${hostId}::uuid ${rangeWhere(Prisma.sql`window_start`, q.since, q.until)}
        ORDER BY window_start DESC LIMIT ${q.limit}`
    ).reverse();
    const first = windows[0]?.window_start;
    const products = first
      ? await this.prisma.$queryRaw<ProductRow[]>`
          SELECT window_start, name, product, cpu_ms, peak_rss_kb, peak_hwm_kb, processes FROM host_product_costs
          WHERE host_id = ${hostId}::uuid AND window_start >= ${first} ${rangeWhere(Prisma.sql`window_start`, undefined, q.until)}
          ${q.product ? Prisma.sql`AND product = ${q.product}` : Prisma.empty}`
      : [];
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
      hostname: host[0].hostname,
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
    const where = rangeWhere(Prisma.sql`c.window_start`, q.since, q.until);
    const perHost = await this.prisma.$queryRaw<
      Array<{
        host_id: string;
        hostname: string;
        covered_ms: bigint;
        cpu_ms: bigint;
        peak_rss_kb: bigint;
        lost: bigint | null;
        log_bytes: bigint | null;
        windows: bigint;
        last_window: Date;
      }>
    >`
      WITH w AS (
        SELECT c.host_id, sum(c.covered_ms)::bigint AS covered_ms, sum(c.lost_delta)::bigint AS lost, sum(c.log_bytes)::bigint AS log_bytes,
               count(*)::bigint AS windows, max(c.window_end) AS last_window
        FROM host_cost_windows c WHERE true ${where} GROUP BY c.host_id
      ), p AS (
        SELECT c.host_id, sum(c.cpu_ms)::bigint AS cpu_ms, max(c.peak_rss_kb)::bigint AS peak_rss_kb
        FROM host_product_costs c WHERE true ${where} ${q.product ? Prisma.sql`AND c.product = ${q.product}` : Prisma.empty}
        GROUP BY c.host_id
      )
      SELECT w.host_id::text AS host_id, h.hostname, w.covered_ms, coalesce(p.cpu_ms, 0)::bigint AS cpu_ms,
             coalesce(p.peak_rss_kb, 0)::bigint AS peak_rss_kb, w.lost, w.log_bytes, w.windows, w.last_window
      FROM w JOIN hosts h ON h.id = w.host_id LEFT JOIN p ON p.host_id = w.host_id`;
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
    const byProduct = await this.prisma.$queryRaw<Array<{ product: string; name: string; hosts: bigint; cpu_ms: bigint; peak_rss_kb: bigint }>>`
      SELECT c.product, c.name, count(DISTINCT c.host_id)::bigint AS hosts, sum(c.cpu_ms)::bigint AS cpu_ms, max(c.peak_rss_kb)::bigint AS peak_rss_kb
      FROM host_product_costs c WHERE true ${where} ${q.product ? Prisma.sql`AND c.product = ${q.product}` : Prisma.empty}
      GROUP BY c.product, c.name ORDER BY sum(c.cpu_ms) DESC`;
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
    let execPaths: string[] = [];
    if (q.pushId) {
      const rows = await this.prisma.$queryRaw<
        Array<{ id: string; set_version: number; status: string; item_count: number; items: unknown; created_at: Date; delivered_at: Date | null }>
      >`
        SELECT id::text, set_version, status, item_count, items, created_at, delivered_at FROM policy_pushes WHERE id = ${q.pushId}::uuid`;
      if (rows.length === 0) throw new NotFoundException(`push ${q.pushId} not found`);
      const p = rows[0];
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
    const hostFilter = q.hostIds ? Prisma.sql`AND host_id = ANY(${q.hostIds}::uuid[])` : Prisma.empty;
    const sourceFilter = q.source ? Prisma.sql`AND source = ${q.source}` : Prisma.empty;
    const productFilter = q.product ? Prisma.sql`AND product = ${q.product}` : Prisma.empty;

    const period = async (p: { start: Date; end: Date }) => {
      const inRange = Prisma.sql`window_end > ${p.start}::timestamp(3) AND window_start < ${p.end}::timestamp(3)`;
      const [events, cpu, covered, targeted] = await Promise.all([
        this.prisma.$queryRaw<Array<{ host_id: string; events: number }>>`
          SELECT host_id::text, sum(events * ${overlap(p.start, p.end)})::float8 AS events
          FROM ingest_batches WHERE ${inRange} ${hostFilter} ${sourceFilter} GROUP BY host_id`,
        this.prisma.$queryRaw<Array<{ host_id: string; cpu_ms: number }>>`
          SELECT host_id::text, sum(cpu_ms * ${overlap(p.start, p.end)})::float8 AS cpu_ms
          FROM host_product_costs WHERE ${inRange} ${hostFilter} ${productFilter} GROUP BY host_id`,
        this.prisma.$queryRaw<Array<{ host_id: string; covered_ms: number }>>`
          SELECT host_id::text, sum(covered_ms * ${overlap(p.start, p.end)})::float8 AS covered_ms
          FROM host_cost_windows WHERE ${inRange} ${hostFilter} GROUP BY host_id`,
        execPaths.length
          ? this.prisma.$queryRaw<Array<{ host_id: string; count: number }>>`
              SELECT host_id::text, sum(count * ${overlap(p.start, p.end)})::float8 AS count
              FROM exec_counts WHERE ${inRange} ${hostFilter} AND path = ANY(${execPaths}::text[]) GROUP BY host_id`
          : Promise.resolve([]),
      ]);
      const m = new Map<string, { events?: number; cpuMs?: number; coveredMs?: number; targeted?: number }>();
      const get = (id: string) => m.get(id) ?? (m.set(id, {}), m.get(id)!);
      for (const r of events) get(r.host_id).events = Number(r.events);
      for (const r of cpu) get(r.host_id).cpuMs = Number(r.cpu_ms);
      for (const r of covered) get(r.host_id).coveredMs = Number(r.covered_ms);
      for (const r of targeted) get(r.host_id).targeted = Number(r.count);
      return m;
    };
    const [b, a] = await Promise.all([period(before), period(after)]);
    // Hosts compared: those asked for, else those with data in both periods.
    const ids = q.hostIds ?? [...b.keys()].filter((id) => a.has(id));
    const names = new Map(
      (ids.length
        ? await this.prisma.$queryRaw<Array<{ id: string; hostname: string }>>`SELECT id::text, hostname FROM hosts WHERE id = ANY(${ids}::uuid[])`
        : []
      ).map((h) => [h.id, h.hostname]),
    );
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
      ...report,
    };
  }
}
