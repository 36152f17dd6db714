/** Median and range of one measure across hosts. */
export interface Spread {
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
}

export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, median: null, min: null, max: null };
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { n: v.length, median, min: v[0], max: v[v.length - 1] };
}

/** One host's measures over one period. */
export interface PeriodMeasures {
  /** Agent events per second (batches' `events` over the period length). */
  eventsPerSecond?: number;
  /** Security products' CPU, percent of one core (all watched products, or the one asked for). */
  cpuPercent?: number;
  /** Fraction of the period covered by cost samples (0..1). */
  costCoverage?: number;
}

export interface BeforeAfterHost {
  hostId: string;
  hostname?: string;
  before: PeriodMeasures;
  after: PeriodMeasures;
}

export interface HostChange extends BeforeAfterHost {
  change: {
    /** (after - before) / before * 100; null when before is 0 or missing. */
    eventsPerSecondPercent: number | null;
    cpuPercentPercent: number | null;
  };
  /** Neither the event rate nor the product CPU fell by at least the threshold. */
  noReduction: boolean;
}

export interface BeforeAfterReport {
  hosts: HostChange[];
  summary: {
    eventsPerSecond: { before: Spread; after: Spread; changePercent: Spread };
    cpuPercent: { before: Spread; after: Spread; changePercent: Spread };
  };
  /** Hosts on which nothing fell by the threshold (candidates to withdraw the exclusions). */
  noReductionHosts: string[];
  /** Across hosts (medians): the change reduced neither the event rate nor the product CPU. */
  noReduction: boolean;
  minReductionPercent: number;
}

const pctChange = (b?: number, a?: number) => (b === undefined || a === undefined || !(b > 0) ? null : ((a - b) / b) * 100);

/**
 * Compares equal periods before and after a change (e.g. a pushed exclusion
 * set) host by host and reports medians and ranges across hosts, not one
 * number. A host (and the set, by its medians) is flagged "no reduction"
 * when neither measure fell by at least `minReductionPercent`.
 */
export function compareBeforeAfter(hosts: readonly BeforeAfterHost[], o: { minReductionPercent?: number } = {}): BeforeAfterReport {
  const min = o.minReductionPercent ?? 5;
  const reduced = (c: number | null) => c !== null && c <= -min;
  const out: HostChange[] = hosts.map((h) => {
    const ev = pctChange(h.before.eventsPerSecond, h.after.eventsPerSecond);
    const cpu = pctChange(h.before.cpuPercent, h.after.cpuPercent);
    return { ...h, change: { eventsPerSecondPercent: ev, cpuPercentPercent: cpu }, noReduction: !reduced(ev) && !reduced(cpu) };
  });
  const nums = (f: (h: HostChange) => number | null | undefined) => out.map(f).filter((x): x is number => typeof x === 'number');
  const evChange = spread(nums((h) => h.change.eventsPerSecondPercent));
  const cpuChange = spread(nums((h) => h.change.cpuPercentPercent));
  return {
    hosts: out,
    summary: {
      eventsPerSecond: { before: spread(nums((h) => h.before.eventsPerSecond)), after: spread(nums((h) => h.after.eventsPerSecond)), changePercent: evChange },
      cpuPercent: { before: spread(nums((h) => h.before.cpuPercent)), after: spread(nums((h) => h.after.cpuPercent)), changePercent: cpuChange },
    },
    noReductionHosts: out.filter((h) => h.noReduction).map((h) => h.hostId),
    noReduction: !reduced(evChange.median) && !reduced(cpuChange.median),
    minReductionPercent: min,
  };
}
