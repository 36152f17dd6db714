import { AuditRule, AuditStatus, DEFAULT_RULE_OWNERS, RuleOwnerPattern, rulesByProduct } from './auditctl';
import { AuditdConf, AuditPluginConf, dispatchIsLossy, dispatchMode } from './auditd-conf';
import { LogFileEntry, logGrowth } from './audit-log-dir';

/** One watched process at one sampling moment. */
export interface ProcessSample {
  pid: number;
  /** Start time in clock ticks after boot: tells a reused pid from the old process. */
  startTimeTicks: number;
  name: string;
  product: string;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  rssKb: number;
  hwmKb?: number;
}

/** What was read about auditd at one sampling moment (any part may be missing). */
export interface AuditdSample {
  status?: AuditStatus;
  rules?: readonly AuditRule[];
  logFiles?: readonly LogFileEntry[];
  conf?: AuditdConf;
  plugins?: readonly AuditPluginConf[];
}

export interface HostSample {
  atMs: number;
  processes: readonly ProcessSample[];
  auditd?: AuditdSample;
}

export interface ProductCost {
  name: string;
  product: string;
  /** CPU time used in the window, ms. */
  cpuMs: number;
  /** Largest total RSS of the name's processes at one sample, kB. */
  peakRssKb: number;
  /** Largest VmHWM (lifetime peak RSS) of one of its processes, kB. */
  peakHwmKb: number;
  /** Most processes of the name alive at one sample. */
  processes: number;
}

export interface AuditdHealth {
  enabled: number;
  pid: number;
  failure?: number;
  lostDelta: number;
  lostTotal: number;
  backlogMax: number;
  backlogLimit: number;
  rateLimit: number;
  backlogWaitActualDelta: number;
  rulesTotal?: number;
  rulesByProduct?: Array<{ name: string; count: number }>;
  logBytes?: number;
  logRotations?: number;
  /** `lossy`/`lossless` (auditd 2.x disp_qos) or `overflow:<action>,q:<n>` (auditd 3.x). */
  dispatch?: string;
  dispatchLossy?: boolean;
  /** Active dispatcher plugins (paths). */
  consumers?: string[];
}

/** Cost of one window of wall-clock time. */
export interface CostWindow {
  windowStartMs: number;
  windowEndMs: number;
  /** Sampling intervals ending in the window, and the time they cover (ms). */
  samples: number;
  coveredMs: number;
  products: ProductCost[];
  auditd?: AuditdHealth;
}

export interface CostWindowAggregatorOptions {
  windowMs: number;
  /** `getconf CLK_TCK` (100 on Linux). */
  clockTicksPerSecond?: number;
  ruleOwners?: readonly RuleOwnerPattern[];
  /**
   * A sample this late after a window boundary still closes the window
   * before it (timers fire late). Default 0.
   */
  boundarySlackMs?: number;
}

interface OpenWindow {
  start: number;
  samples: number;
  coveredMs: number;
  products: Map<string, ProductCost>;
  auditd?: AuditdHealth;
  auditdTouched: boolean;
}

const productKey = (p: { name: string; product: string }) => `${p.product}\u0000${p.name}`;

/**
 * Turns successive samples into per-window costs. The CPU used between two
 * samples (and auditd's lost events, log growth) is counted in the window in
 * which the later sample falls (a sample exactly on a boundary closes the
 * window before it), so sampling on window boundaries attributes exactly.
 * The first sample is only a baseline. A pid seen for the first time after
 * the baseline started since the previous sample: all its CPU is counted.
 */
export class CostWindowAggregator {
  private prev?: HostSample;
  private prevProc = new Map<number, ProcessSample>();
  private prevStatus?: AuditStatus;
  private prevLog?: readonly LogFileEntry[];
  private readonly open = new Map<number, OpenWindow>();
  private readonly msPerTick: number;

  constructor(private readonly o: CostWindowAggregatorOptions) {
    this.msPerTick = 1000 / (o.clockTicksPerSecond ?? 100);
  }

  /** The window a sample at atMs closes or falls in (a sample on a boundary, or just after it, closes the window before). */
  windowStartOf(atMs: number): number {
    return Math.floor((this.snap(atMs) - 1) / this.o.windowMs) * this.o.windowMs;
  }

  /** A time just after a boundary (within the slack) counts as the boundary. */
  private snap(t: number): number {
    const past = ((t % this.o.windowMs) + this.o.windowMs) % this.o.windowMs;
    return past < (this.o.boundarySlackMs ?? 0) ? t - past : t;
  }

  /** How the interval (t1, t2] is shared among windows: by overlap (of the snapped times). */
  private shares(t1: number, t2: number): Array<[number, number]> {
    const W = this.o.windowMs;
    const [a1, a2] = [this.snap(t1), this.snap(t2)];
    const out: Array<[number, number]> = [];
    for (let ws = Math.floor(a1 / W) * W; ws < a2; ws += W) {
      const lo = Math.max(a1, ws);
      const hi = Math.min(a2, ws + W);
      if (hi > lo) out.push([ws, hi - lo]);
    }
    return out;
  }

  add(s: HostSample): void {
    const prev = this.prev;
    if (prev && s.atMs <= prev.atMs) return; // clock went back: ignore
    if (prev) {
      const span = Math.max(1, this.snap(s.atMs) - this.snap(prev.atMs));
      const shares = this.shares(prev.atMs, s.atMs);
      const w = this.window(this.windowStartOf(s.atMs));
      w.samples++;
      for (const [ws, ms] of shares) this.window(ws).coveredMs += ms;
      const sampleTotals = new Map<string, { rss: number; n: number }>();
      for (const p of s.processes) {
        const before = this.prevProc.get(p.pid);
        const same = before && before.startTimeTicks === p.startTimeTicks;
        const ticks = same ? Math.max(0, p.cpuTicks - before.cpuTicks) : p.cpuTicks;
        const key = productKey(p);
        // CPU used over the interval is shared by the windows it spans.
        for (const [ws, ms] of shares) this.row(this.window(ws), p).cpuMs += ticks * this.msPerTick * (ms / span);
        const row = this.row(w, p);
        row.peakHwmKb = Math.max(row.peakHwmKb, p.hwmKb ?? 0);
        const t = sampleTotals.get(key) ?? { rss: 0, n: 0 };
        t.rss += p.rssKb;
        t.n++;
        sampleTotals.set(key, t);
      }
      for (const [key, t] of sampleTotals) {
        const row = w.products.get(key)!;
        row.peakRssKb = Math.max(row.peakRssKb, t.rss);
        row.processes = Math.max(row.processes, t.n);
      }
      this.addAuditd(w, s);
    }
    this.prev = s;
    this.prevProc = new Map(s.processes.map((p) => [p.pid, p]));
    if (s.auditd?.status) this.prevStatus = s.auditd.status;
    if (s.auditd?.logFiles) this.prevLog = s.auditd.logFiles;
  }

  private addAuditd(w: OpenWindow, s: HostSample): void {
    const a = s.auditd;
    const st = a?.status;
    if (!a || (!st && !a.rules && !a.logFiles)) return;
    const h = (w.auditd ??= {
      enabled: 0,
      pid: 0,
      lostDelta: 0,
      lostTotal: 0,
      backlogMax: 0,
      backlogLimit: 0,
      rateLimit: 0,
      backlogWaitActualDelta: 0,
    });
    w.auditdTouched = true;
    if (st) {
      const pst = this.prevStatus;
      // lost only grows until reboot; a smaller value means the counter restarted.
      if (pst) h.lostDelta += st.lost >= pst.lost ? st.lost - pst.lost : st.lost;
      if (pst && st.backlogWaitTimeActual !== undefined && pst.backlogWaitTimeActual !== undefined) {
        const d = st.backlogWaitTimeActual - pst.backlogWaitTimeActual;
        h.backlogWaitActualDelta += d >= 0 ? d : st.backlogWaitTimeActual;
      }
      h.enabled = st.enabled;
      h.pid = st.pid;
      h.failure = st.failure;
      h.lostTotal = st.lost;
      h.backlogMax = Math.max(h.backlogMax, st.backlog ?? 0);
      h.backlogLimit = st.backlogLimit ?? 0;
      h.rateLimit = st.rateLimit ?? 0;
    }
    if (a.rules) {
      h.rulesTotal = a.rules.length;
      h.rulesByProduct = rulesByProduct(a.rules, this.o.ruleOwners ?? DEFAULT_RULE_OWNERS);
    }
    if (a.logFiles && this.prevLog) {
      const g = logGrowth(this.prevLog, a.logFiles);
      h.logBytes = (h.logBytes ?? 0) + g.bytes;
      h.logRotations = (h.logRotations ?? 0) + g.rotations;
    }
    if (a.conf) {
      h.dispatch = dispatchMode(a.conf);
      h.dispatchLossy = dispatchIsLossy(a.conf);
    }
    if (a.plugins) h.consumers = a.plugins.filter((p) => p.active).map((p) => p.path ?? p.name);
  }

  private row(w: OpenWindow, p: { name: string; product: string }): ProductCost {
    const key = productKey(p);
    let row = w.products.get(key);
    if (!row) w.products.set(key, (row = { name: p.name, product: p.product, cpuMs: 0, peakRssKb: 0, peakHwmKb: 0, processes: 0 }));
    return row;
  }

  private window(start: number): OpenWindow {
    let w = this.open.get(start);
    if (!w) this.open.set(start, (w = { start, samples: 0, coveredMs: 0, products: new Map(), auditdTouched: false }));
    return w;
  }

  /** Windows that ended at or before the latest sample, oldest first. */
  takeComplete(): CostWindow[] {
    const last = this.prev?.atMs;
    if (last === undefined) return [];
    return this.take((w) => w.start + this.o.windowMs <= last);
  }

  /** Every window, the current partial one included (its coveredMs says how much it covers). */
  flush(): CostWindow[] {
    return this.take(() => true);
  }

  private take(pred: (w: OpenWindow) => boolean): CostWindow[] {
    const out: CostWindow[] = [];
    for (const w of [...this.open.values()].sort((a, b) => a.start - b.start)) {
      if (!pred(w)) continue;
      this.open.delete(w.start);
      out.push({
        windowStartMs: w.start,
        windowEndMs: w.start + this.o.windowMs,
        samples: w.samples,
        coveredMs: w.coveredMs,
        products: [...w.products.values()].map((p) => ({ ...p, cpuMs: Math.round(p.cpuMs) })).sort((a, b) => b.cpuMs - a.cpuMs || a.name.localeCompare(b.name)),
        auditd: w.auditdTouched ? w.auditd : undefined,
      });
    }
    return out;
  }
}
