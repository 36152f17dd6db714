import { CountBatch, HostCostWindow } from '@fleettune/proto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import { ReadReplicaService } from '../database/read-replica.service';

const EARLIEST_MS = Date.UTC(2000, 0, 1);
const MAX_WINDOWS = 1_000;
const MAX_PRODUCTS = 200;
const MAX_TEXT = 256;
const MAX_WINDOW_MS = 24 * 3600_000;

const text = (s: string) => s.replace(/\u0000/g, '').slice(0, MAX_TEXT);
const int32 = (n: number) => Math.max(0, Math.min(2_147_483_647, Math.trunc(n) || 0));
const big = (n: number) => BigInt(Math.max(0, Math.trunc(n) || 0));

/** Cost windows fit to store: sane times, bounded sizes (a bad window is dropped, never the batch). */
function usable(batch: CountBatch, nowMs: number): HostCostWindow[] {
  return (batch.hostCost ?? [])
    .filter(
      (w) =>
        Number.isSafeInteger(w.windowStartMs) &&
        Number.isSafeInteger(w.windowEndMs) &&
        w.windowEndMs > w.windowStartMs &&
        w.windowEndMs - w.windowStartMs <= MAX_WINDOW_MS &&
        w.windowStartMs >= EARLIEST_MS &&
        w.windowEndMs <= nowMs + MAX_WINDOW_MS,
    )
    .slice(0, MAX_WINDOWS);
}

/**
 * Stores the host-cost windows a batch carries (field host_cost) inside the
 * ingest transaction. Called only for a batch that was just inserted, so a
 * resent batch writes nothing; (host, window) keys make a window carried
 * twice a no-op too. One statement per table (unnest of column arrays).
 */
export async function storeHostCost(tx: Prisma.TransactionClient, hostId: string, batch: CountBatch, nowMs = Date.now()): Promise<number> {
  const windows = usable(batch, nowMs);
  if (windows.length === 0) return 0;
  // ISO text cast to timestamp(3): Prisma keeps DateTime as UTC wall time.
  const iso = (ms: number) => new Date(ms).toISOString();
  const starts = windows.map((w) => iso(w.windowStartMs));
  const ends = windows.map((w) => iso(w.windowEndMs));
  const a = windows.map((w) => w.auditd);
  const opt = <T>(f: (x: NonNullable<HostCostWindow['auditd']>) => T) => a.map((x) => (x ? f(x) : null));
  await tx.$executeRaw`
    INSERT INTO host_cost_windows (host_id, window_start, window_end, sequence, samples, covered_ms,
      auditd_enabled, auditd_pid, lost_delta, lost_total, backlog_max, backlog_limit, rate_limit, backlog_wait_delta,
      rules_total, rules_by_product, log_bytes, log_rotations, dispatch, dispatch_lossy, consumers)
    SELECT ${hostId}::uuid, t.ws, t.we, ${BigInt(batch.sequence)}, t.samples, t.covered,
      t.enabled, t.pid, t.lost_delta, t.lost_total, t.backlog_max, t.backlog_limit, t.rate_limit, t.wait_delta,
      t.rules_total, t.rules_by_product, t.log_bytes, t.log_rotations, t.dispatch, t.lossy, t.consumers
    FROM unnest(${starts}::timestamp(3)[], ${ends}::timestamp(3)[],
                ${windows.map((w) => int32(w.samples))}::int[], ${windows.map((w) => int32(w.coveredMs))}::int[],
                ${opt((x) => Math.trunc(x.enabled))}::int[], ${opt((x) => int32(x.pid))}::int[],
                ${opt((x) => String(big(x.lostDelta)))}::bigint[], ${opt((x) => String(big(x.lostTotal)))}::bigint[],
                ${opt((x) => int32(x.backlogMax))}::int[], ${opt((x) => int32(x.backlogLimit))}::int[],
                ${opt((x) => int32(x.rateLimit))}::int[], ${opt((x) => String(big(x.backlogWaitActualDelta)))}::bigint[],
                ${opt((x) => (x.hasRules ? int32(x.rulesTotal) : null))}::int[],
                ${opt((x) => (x.hasRules ? JSON.stringify(x.rulesByProduct.slice(0, MAX_PRODUCTS).map((r) => ({ name: text(r.name), count: int32(r.count) }))) : null))}::jsonb[],
                ${opt((x) => (x.hasLog ? String(big(x.logBytes)) : null))}::bigint[], ${opt((x) => (x.hasLog ? int32(x.logRotations) : null))}::int[],
                ${opt((x) => (x.dispatch ? text(x.dispatch) : null))}::text[], ${opt((x) => x.dispatchLossy)}::boolean[],
                ${opt((x) => JSON.stringify(x.consumers.slice(0, 32).map(text)))}::jsonb[])
         AS t(ws, we, samples, covered, enabled, pid, lost_delta, lost_total, backlog_max, backlog_limit, rate_limit, wait_delta,
              rules_total, rules_by_product, log_bytes, log_rotations, dispatch, lossy, consumers)
    ON CONFLICT (host_id, window_start) DO NOTHING`;
  const rows = windows.flatMap((w) =>
    w.products
      .slice(0, MAX_PRODUCTS)
      .filter((p) => p.name.length > 0)
      .map((p) => ({ w, p })),
  );
  if (rows.length > 0) {
    await tx.$executeRaw`
      INSERT INTO host_product_costs (host_id, window_start, window_end, name, product, cpu_ms, peak_rss_kb, peak_hwm_kb, processes)
      SELECT ${hostId}::uuid, t.ws, t.we, t.name, t.product, t.cpu, t.rss, t.hwm, t.procs
      FROM unnest(${rows.map((r) => iso(r.w.windowStartMs))}::timestamp(3)[], ${rows.map((r) => iso(r.w.windowEndMs))}::timestamp(3)[],
                  ${rows.map((r) => text(r.p.name))}::text[], ${rows.map((r) => text(r.p.product))}::text[],
                  ${rows.map((r) => String(big(r.p.cpuMs)))}::bigint[], ${rows.map((r) => String(big(r.p.peakRssKb)))}::bigint[],
                  ${rows.map((r) => String(big(r.p.peakHwmKb)))}::bigint[], ${rows.map((r) => int32(r.p.processes))}::int[])
           AS t(ws, we, name, product, cpu, rss, hwm, procs)
      ON CONFLICT (host_id, window_start, product, name) DO NOTHING`;
  }
  return windows.length;
}

export interface WindowRow {
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

export interface ProductRow {
  window_start: Date;
  name: string;
  product: string;
  cpu_ms: bigint;
  peak_rss_kb: bigint;
  peak_hwm_kb: bigint;
  processes: number;
}

/** One host's sums over a range, as the fleet cost view reads them. */
export interface FleetHostCostRow {
  host_id: string;
  hostname: string;
  covered_ms: bigint;
  cpu_ms: bigint;
  peak_rss_kb: bigint;
  lost: bigint | null;
  log_bytes: bigint | null;
  windows: bigint;
  last_window: Date;
}

/** One watched process name summed over the fleet. */
export interface FleetProductCostRow {
  product: string;
  name: string;
  hosts: bigint;
  cpu_ms: bigint;
  peak_rss_kb: bigint;
}

/** A policy push, as a before/after comparison centres on it. */
export interface PushRow {
  id: string;
  set_version: number;
  status: string;
  item_count: number;
  items: unknown;
  created_at: Date;
  delivered_at: Date | null;
  /** webhook | pull | git | a console connector's kind */
  mode: string;
  /** Console connectors: the read-back after apply held exactly the plan. */
  verified: boolean | null;
  /** The target's platform setting (console connectors), when it has one. */
  target_platform: string | null;
}

/** A host's latest auditd apply report: which of the asked item values its agent loaded. */
export interface AuditdAppliedRow {
  host_id: string;
  reported_at: Date;
  applied_values: string[];
}

/** Per host, one period's sums, each row's share weighted by how much of its window falls in the period. */
export interface PeriodSums {
  events: Array<{ host_id: string; events: number }>;
  cpu: Array<{ host_id: string; cpu_ms: number }>;
  covered: Array<{ host_id: string; covered_ms: number }>;
  targeted: Array<{ host_id: string; count: number }>;
}

export interface PeriodFilter {
  hostIds?: string[];
  source?: string;
  product?: string;
  /** Programs whose exec counts are summed as `targeted` (none: no exec query). */
  execPaths: string[];
}

const rangeWhere = (col: Prisma.Sql, since?: Date, until?: Date) =>
  Prisma.sql`${since ? Prisma.sql`AND ${col} >= ${since}` : Prisma.empty} ${until ? Prisma.sql`AND ${col} < ${until}` : Prisma.empty}`;

/** Seconds of [start, end) covered by the rows' windows, as SQL (proportional overlap factor). */
const overlap = (start: Date, end: Date) =>
  Prisma.sql`GREATEST(0, EXTRACT(EPOCH FROM (LEAST(window_end, ${end}::timestamp(3)) - GREATEST(window_start, ${start}::timestamp(3)))))
             / NULLIF(EXTRACT(EPOCH FROM (window_end - window_start)), 0)`;

/**
 * The cost views' statements: host_cost_windows and host_product_costs (written
 * by storeHostCost in the ingest transaction), and for before/after comparisons
 * ingest_batches, exec_counts and the push compared around.
 */
@Injectable()
export class HostCostRepository {
  // The cost views are dashboard reads that may be a moment behind: on the read replica when there is one (issue 17).
  constructor(
    private readonly prisma: PrismaService,
    private readonly reads: ReadReplicaService,
  ) {}

  async hostname(hostId: string): Promise<string | null> {
    const host = await this.reads.read((db) => db.$queryRaw<Array<{ hostname: string }>>`SELECT hostname FROM hosts WHERE id = ${hostId}::uuid`);
    return host[0]?.hostname ?? null;
  }

  /** Host names of the given ids (unknown ids are absent). */
  async hostnames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.reads.read(
      (db) => db.$queryRaw<Array<{ id: string; hostname: string }>>`SELECT id::text, hostname FROM hosts WHERE id = ANY(${ids}::uuid[])`,
    );
    return new Map(rows.map((h) => [h.id, h.hostname]));
  }

  /** A host's newest `limit` windows in [since, until), oldest first. */
  async windows(hostId: string, range: { since?: Date; until?: Date; limit: number }): Promise<WindowRow[]> {
    const rows = await this.reads.read(
      (db) => db.$queryRaw<WindowRow[]>`
      SELECT * FROM host_cost_windows WHERE host_id = ${hostId}::uuid ${rangeWhere(Prisma.sql`window_start`, range.since, range.until)}
      ORDER BY window_start DESC LIMIT ${range.limit}`,
    );
    return rows.reverse();
  }

  /** A host's product rows of windows starting in [from, until), optionally of one product. */
  products(hostId: string, from: Date, until?: Date, product?: string): Promise<ProductRow[]> {
    return this.reads.read(
      (db) => db.$queryRaw<ProductRow[]>`
      SELECT window_start, name, product, cpu_ms, peak_rss_kb, peak_hwm_kb, processes FROM host_product_costs
      WHERE host_id = ${hostId}::uuid AND window_start >= ${from} ${rangeWhere(Prisma.sql`window_start`, undefined, until)}
      ${product ? Prisma.sql`AND product = ${product}` : Prisma.empty}`,
    );
  }

  /** Per host with windows in [since, until): covered time, CPU (of `product`, else all), peak RSS, lost events, log growth. */
  fleetPerHost(since?: Date, until?: Date, product?: string): Promise<FleetHostCostRow[]> {
    const where = rangeWhere(Prisma.sql`c.window_start`, since, until);
    return this.reads.read(
      (db) => db.$queryRaw<FleetHostCostRow[]>`
      WITH w AS (
        SELECT c.host_id, sum(c.covered_ms)::bigint AS covered_ms, sum(c.lost_delta)::bigint AS lost, sum(c.log_bytes)::bigint AS log_bytes,
               count(*)::bigint AS windows, max(c.window_end) AS last_window
        FROM host_cost_windows c WHERE true ${where} GROUP BY c.host_id
      ), p AS (
        SELECT c.host_id, sum(c.cpu_ms)::bigint AS cpu_ms, max(c.peak_rss_kb)::bigint AS peak_rss_kb
        FROM host_product_costs c WHERE true ${where} ${product ? Prisma.sql`AND c.product = ${product}` : Prisma.empty}
        GROUP BY c.host_id
      )
      SELECT w.host_id::text AS host_id, h.hostname, w.covered_ms, coalesce(p.cpu_ms, 0)::bigint AS cpu_ms,
             coalesce(p.peak_rss_kb, 0)::bigint AS peak_rss_kb, w.lost, w.log_bytes, w.windows, w.last_window
      FROM w JOIN hosts h ON h.id = w.host_id LEFT JOIN p ON p.host_id = w.host_id`,
    );
  }

  /** Per (product, name) in [since, until): hosts, CPU and peak RSS, most CPU first. */
  fleetByProduct(since?: Date, until?: Date, product?: string): Promise<FleetProductCostRow[]> {
    const where = rangeWhere(Prisma.sql`c.window_start`, since, until);
    return this.reads.read(
      (db) => db.$queryRaw<FleetProductCostRow[]>`
      SELECT c.product, c.name, count(DISTINCT c.host_id)::bigint AS hosts, sum(c.cpu_ms)::bigint AS cpu_ms, max(c.peak_rss_kb)::bigint AS peak_rss_kb
      FROM host_product_costs c WHERE true ${where} ${product ? Prisma.sql`AND c.product = ${product}` : Prisma.empty}
      GROUP BY c.product, c.name ORDER BY sum(c.cpu_ms) DESC`,
    );
  }

  /** On the primary: a push just made must be found (the cost views otherwise read the replica). */
  async push(pushId: string): Promise<PushRow | null> {
    const rows = await this.prisma.$queryRaw<PushRow[]>`
      SELECT p.id::text, p.set_version, p.status, p.item_count, p.items, p.created_at, p.delivered_at, p.mode, p.verified,
             t.config->>'platform' AS target_platform
      FROM policy_pushes p JOIN policy_targets t ON t.id = p.target_id WHERE p.id = ${pushId}::uuid`;
    return rows[0] ?? null;
  }

  /** Hosts of one platform (`hosts.os`), or every host. */
  async hostIdsOnPlatform(os: string | null): Promise<string[]> {
    const rows = os
      ? await this.prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM hosts WHERE os = ${os}`
      : await this.prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM hosts`;
    return rows.map((r) => r.id);
  }

  /**
   * Per host whose agent's latest apply report loaded rules (state applied or partial): which of `values`
   * it reported as applied. Read from the primary: the report an agent just sent must count.
   */
  async auditdApplied(values: string[]): Promise<AuditdAppliedRow[]> {
    if (values.length === 0) return [];
    return this.prisma.$queryRaw<AuditdAppliedRow[]>`
      SELECT r.host_id::text, r.reported_at,
             ARRAY(SELECT DISTINCT l->>'value' FROM jsonb_array_elements(r.lines) l
                   WHERE l->>'outcome' = 'applied' AND l->>'value' = ANY(${values}::text[])) AS applied_values
      FROM auditd_apply_reports r WHERE r.state IN ('applied', 'partial')`;
  }

  /** Events, product CPU, covered time and targeted execs per host over [start, end). */
  async periodSums(p: { start: Date; end: Date }, f: PeriodFilter): Promise<PeriodSums> {
    const inRange = Prisma.sql`window_end > ${p.start}::timestamp(3) AND window_start < ${p.end}::timestamp(3)`;
    const hostFilter = f.hostIds ? Prisma.sql`AND host_id = ANY(${f.hostIds}::uuid[])` : Prisma.empty;
    const sourceFilter = f.source ? Prisma.sql`AND source = ${f.source}` : Prisma.empty;
    const productFilter = f.product ? Prisma.sql`AND product = ${f.product}` : Prisma.empty;
    const [events, cpu, covered, targeted] = await Promise.all([
      this.reads.read(
        (db) => db.$queryRaw<PeriodSums['events']>`
        SELECT host_id::text, sum(events * ${overlap(p.start, p.end)})::float8 AS events
        FROM ingest_batches WHERE ${inRange} ${hostFilter} ${sourceFilter} GROUP BY host_id`,
      ),
      this.reads.read(
        (db) => db.$queryRaw<PeriodSums['cpu']>`
        SELECT host_id::text, sum(cpu_ms * ${overlap(p.start, p.end)})::float8 AS cpu_ms
        FROM host_product_costs WHERE ${inRange} ${hostFilter} ${productFilter} GROUP BY host_id`,
      ),
      this.reads.read(
        (db) => db.$queryRaw<PeriodSums['covered']>`
        SELECT host_id::text, sum(covered_ms * ${overlap(p.start, p.end)})::float8 AS covered_ms
        FROM host_cost_windows WHERE ${inRange} ${hostFilter} GROUP BY host_id`,
      ),
      f.execPaths.length
        ? this.reads.read(
            (db) => db.$queryRaw<PeriodSums['targeted']>`
            SELECT host_id::text, sum(count * ${overlap(p.start, p.end)})::float8 AS count
            FROM exec_counts WHERE ${inRange} ${hostFilter} AND path = ANY(${f.execPaths}::text[]) GROUP BY host_id`,
          )
        : Promise.resolve([]),
    ]);
    return { events, cpu, covered, targeted };
  }
}
