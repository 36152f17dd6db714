import { CostWindow, parseProductProcesses } from '@fleettune/host-cost';
import { HostCostWindow } from '@fleettune/proto';
import type { BatchSpool } from '../spool/batch-spool';
import { HostCostSampler, HostCostSamplerOptions } from './host-cost-sampler';

/** A cost window as the wire message. */
export function costWindowToProto(w: CostWindow): HostCostWindow {
  const a = w.auditd;
  return {
    windowStartMs: w.windowStartMs,
    windowEndMs: w.windowEndMs,
    samples: w.samples,
    coveredMs: w.coveredMs,
    products: w.products.map((p) => ({
      name: p.name,
      product: p.product,
      cpuMs: p.cpuMs,
      peakRssKb: p.peakRssKb,
      peakHwmKb: p.peakHwmKb,
      processes: p.processes,
    })),
    auditd: a && {
      enabled: a.enabled,
      pid: a.pid,
      failure: a.failure ?? 0,
      lostDelta: a.lostDelta,
      lostTotal: a.lostTotal,
      backlogMax: a.backlogMax,
      backlogLimit: a.backlogLimit,
      rateLimit: a.rateLimit,
      backlogWaitActualDelta: a.backlogWaitActualDelta,
      hasRules: a.rulesTotal !== undefined,
      rulesTotal: a.rulesTotal ?? 0,
      rulesByProduct: (a.rulesByProduct ?? []).map((r) => ({ name: r.name, count: r.count })),
      hasLog: a.logBytes !== undefined,
      logBytes: a.logBytes ?? 0,
      logRotations: a.logRotations ?? 0,
      dispatch: a.dispatch ?? '',
      dispatchLossy: a.dispatchLossy ?? false,
      consumers: a.consumers ?? [],
    },
  };
}

/**
 * Makes every batch appended to the spool carry the cost windows completed
 * since the previous one (field host_cost). Wrapping the spool's append is
 * what keeps the hook to one line in run-command, whichever source path
 * (follower, audisp stream, --once) appends. Cost windows are in memory
 * until then: a crash loses at most the windows not yet attached.
 */
export function attachHostCost(spool: BatchSpool, sampler: HostCostSampler): void {
  const append = spool.append.bind(spool);
  spool.append = (batch) => {
    const cost = sampler.takeWindows().map(costWindowToProto);
    return append(cost.length ? { ...batch, hostCost: [...(batch.hostCost ?? []), ...cost] } : batch);
  };
}

/**
 * The run-command hook: starts sampling the security products' cost and
 * auditd health and attaches per-window results to the batches the spool
 * gets. `FLEETTUNE_COST_PROCESSES` ("name[=product],...", globs allowed)
 * replaces the default list; `FLEETTUNE_COST=off` disables it;
 * `FLEETTUNE_COST_INTERVAL_SECONDS` sets the sampling interval (default 10).
 * Returns the sampler (stop() it at exit), or undefined when disabled.
 */
export function startHostCost(spool: BatchSpool, o: Omit<HostCostSamplerOptions, 'processes'> & { processes?: string }): HostCostSampler | undefined {
  if ((process.env.FLEETTUNE_COST ?? '').toLowerCase() === 'off') return undefined;
  const spec = o.processes ?? process.env.FLEETTUNE_COST_PROCESSES;
  const interval = Number(process.env.FLEETTUNE_COST_INTERVAL_SECONDS ?? '');
  const sampler = new HostCostSampler({
    ...o,
    processes: spec ? parseProductProcesses(spec) : undefined,
    intervalMs: o.intervalMs ?? (Number.isFinite(interval) && interval > 0 ? interval * 1000 : undefined),
  });
  attachHostCost(spool, sampler);
  return sampler.start();
}
