import { CountBatch, HostCostWindow } from '@fleettune/proto';
import type { Prisma } from '../generated/prisma/client';

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
