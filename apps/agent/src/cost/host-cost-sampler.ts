import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AuditdConf,
  AuditdSample,
  AuditPluginConf,
  AuditRule,
  AuditStatus,
  CostWindow,
  CostWindowAggregator,
  DEFAULT_PRODUCT_PROCESSES,
  HostSample,
  LogFileEntry,
  ProcessSample,
  ProductMatcher,
  ProductProcessPattern,
  RuleOwnerPattern,
  COMM_MAX,
  isLogName,
  parseAuditPluginConf,
  parseAuditctlRules,
  parseAuditctlStatus,
  parseAuditdConf,
  parseProcStat,
  parseProcStatus,
  parsePsRows,
} from '@fleettune/host-cost';

export interface HostCostSamplerOptions {
  /** Length of a cost window (the agent's --window-seconds). */
  windowMs: number;
  /** Sampling interval; made to divide windowMs so samples fall on window boundaries. Default 10 s. */
  intervalMs?: number;
  processes?: readonly ProductProcessPattern[];
  /** Read auditd health (auditctl -s/-l, auditd.conf, the log directory). Default: Linux and root. */
  auditd?: boolean;
  /** auditd.conf to read; default: the running auditd's `-c DIR`, else /etc/audit/auditd.conf. */
  auditdConf?: string;
  ruleOwners?: readonly RuleOwnerPattern[];
  platform?: NodeJS.Platform;
  procRoot?: string;
  /** `getconf CLK_TCK`; 100 on Linux. */
  clockTicksPerSecond?: number;
  now?: () => number;
  log?: (msg: string) => void;
  /** Called with every sample taken (tests compare it with ps / auditctl -s at the same moment). */
  onSample?: (s: HostSample) => void;
  /** Runs a command and returns its stdout, undefined when it fails (default: execFileSync; tests count calls). */
  runCommand?: (cmd: string, args: string[]) => string | undefined;
}

const run = (cmd: string, args: string[]): string | undefined => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return undefined;
  }
};

const readText = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/** Greatest divisor of windowMs not above the wanted interval (at least 1 s when possible). */
export function alignedInterval(windowMs: number, wantedMs: number): number {
  const want = Math.max(1, Math.min(wantedMs, windowMs));
  for (let i = want; i >= 1; i--) if (windowMs % i === 0) return i;
  return windowMs;
}

/**
 * Samples the security products' own CPU time and memory, and auditd's
 * health, at an interval, into per-window costs (CostWindowAggregator).
 * Linux: /proc/<pid>/stat and status. macOS (no procfs): `ps -axo
 * pid=,rss=,time=,comm=` (TIME in centiseconds there; comm is the full path).
 * Never throws from a sample: what cannot be read is left out.
 */
export class HostCostSampler {
  readonly intervalMs: number;
  private readonly agg: CostWindowAggregator;
  private readonly matcher: ProductMatcher;
  private readonly platform: NodeJS.Platform;
  private readonly procRoot: string;
  private readonly now: () => number;
  private readonly auditd: boolean;
  private timer: NodeJS.Timeout | undefined;
  private ready: CostWindow[] = [];
  private warned = new Set<string>();
  private readonly run: (cmd: string, args: string[]) => string | undefined;
  /**
   * `auditctl -l` costs a process (~5-10 ms of CPU with its fork) and the rules change rarely: it runs
   * at the first sample of each window and every sample in between carries the rules read last, so each
   * window has its rules (read at its start). `auditctl -s` (lost, backlog) runs every sample.
   */
  private rules: { atMs: number; value: AuditRule[] | undefined } | undefined;
  /** The products' pids (with their start times) found by the last full /proc scan. */
  private knownProducts: { atMs: number; pids: Map<number, number> } | undefined;

  constructor(private readonly o: HostCostSamplerOptions) {
    this.intervalMs = alignedInterval(o.windowMs, o.intervalMs ?? 10_000);
    this.agg = new CostWindowAggregator({
      windowMs: o.windowMs,
      clockTicksPerSecond: o.clockTicksPerSecond ?? 100,
      ruleOwners: o.ruleOwners,
      // Timers fire a little late: such a sample still closes the window before.
      boundarySlackMs: Math.min(500, Math.floor(this.intervalMs / 4)),
    });
    this.matcher = new ProductMatcher(o.processes ?? DEFAULT_PRODUCT_PROCESSES);
    this.platform = o.platform ?? process.platform;
    this.procRoot = o.procRoot ?? '/proc';
    this.now = o.now ?? Date.now;
    this.auditd = o.auditd ?? (this.platform === 'linux' && process.getuid?.() === 0);
    this.run = o.runCommand ?? run;
  }

  /** Whether `atMs` is in a later window than `thenMs` (or the clock went back): time to read again. */
  private newWindowSince(thenMs: number, atMs: number): boolean {
    return atMs < thenMs || Math.floor(atMs / this.o.windowMs) !== Math.floor(thenMs / this.o.windowMs);
  }

  /** Takes a baseline sample now, then one on every interval boundary. */
  start(): this {
    this.sample();
    const schedule = () => {
      const now = this.now();
      const next = Math.ceil((now + 1) / this.intervalMs) * this.intervalMs;
      this.timer = setTimeout(() => {
        this.sample();
        schedule();
      }, next - now);
      this.timer.unref();
    };
    schedule();
    return this;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Completed windows not yet taken (the spool hook attaches them to the next batch). */
  takeWindows(): CostWindow[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Samples now and also closes the current, partial window (at exit). */
  flush(): CostWindow[] {
    this.sample();
    this.ready.push(...this.agg.flush());
    return this.takeWindows();
  }

  /** Takes one sample (the timer calls this; tests may too). */
  sample(): HostSample {
    const atMs = this.now();
    const s: HostSample = { atMs, processes: this.safe('processes', () => this.processes(atMs)) ?? [] };
    if (this.auditd) s.auditd = this.safe('auditd', () => this.auditdSample(atMs));
    this.agg.add(s);
    this.ready.push(...this.agg.takeComplete());
    this.o.onSample?.(s);
    return s;
  }

  private safe<T>(what: string, f: () => T): T | undefined {
    try {
      return f();
    } catch (err) {
      if (!this.warned.has(what)) this.o.log?.(`host cost: reading ${what} failed: ${(err as Error).message}`);
      this.warned.add(what);
      return undefined;
    }
  }

  private processes(atMs: number): ProcessSample[] {
    return this.platform === 'linux' ? this.linuxProcesses(atMs) : this.psProcesses();
  }

  /**
   * The security products' processes from /proc. Reading every process's stat (100-1,000 files) is most
   * of the sampler's cost, so the whole of /proc is scanned at the first sample of each window, and the
   * samples in between read only the products found then. Nothing is lost by it: a product started in between is
   * found at the next scan with all its CPU since it started (the aggregator counts a new pid's ticks
   * in full), and a pid reused by another program (its start time changes) is dropped until then.
   */
  private linuxProcesses(atMs: number): ProcessSample[] {
    const known = this.knownProducts;
    if (known && !this.newWindowSince(known.atMs, atMs)) {
      const out: ProcessSample[] = [];
      for (const [pid, startTimeTicks] of known.pids) {
        const p = this.productProcess(String(pid));
        if (p && p.startTimeTicks === startTimeTicks) out.push(p);
      }
      return out;
    }
    const out: ProcessSample[] = [];
    for (const d of fs.readdirSync(this.procRoot)) {
      if (!/^\d+$/.test(d)) continue;
      const p = this.productProcess(d);
      if (p) out.push(p);
    }
    this.knownProducts = { atMs, pids: new Map(out.map((p) => [p.pid, p.startTimeTicks])) };
    return out;
  }

  /** One /proc/<pid> as a product's process sample, or undefined (not a product, or exited meanwhile). */
  private productProcess(d: string): ProcessSample | undefined {
    const dir = path.join(this.procRoot, d);
    const statText = readText(path.join(dir, 'stat'));
    const st = statText && parseProcStat(statText);
    if (!st) return undefined; // exited meanwhile
    // comm is cut at 15 bytes: then the executable's name tells more.
    let names: string[] = [st.comm];
    if (st.comm.length >= COMM_MAX) {
      const exe = (() => {
        try {
          return path.basename(fs.readlinkSync(path.join(dir, 'exe')).replace(/ \(deleted\)$/, ''));
        } catch {
          return undefined;
        }
      })();
      const argv0 = readText(path.join(dir, 'cmdline'))?.split('\0')[0];
      names = [exe, argv0 && path.basename(argv0), st.comm].filter((n): n is string => !!n);
    }
    const m = this.matcher.match(names, st.comm);
    if (!m) return undefined;
    const status = parseProcStatus(readText(path.join(dir, 'status')) ?? '');
    return {
      pid: st.pid,
      startTimeTicks: st.startTimeTicks,
      name: m.name,
      product: m.product,
      cpuTicks: st.utimeTicks + st.stimeTicks,
      rssKb: status?.vmRssKb ?? 0,
      hwmKb: status?.vmHwmKb,
    };
  }

  /** macOS (and any system without /proc): ps gives CPU time and RSS. */
  private psProcesses(): ProcessSample[] {
    const text = this.run('ps', ['-axo', 'pid=,rss=,time=,comm=']);
    if (text === undefined) throw new Error('ps failed');
    const tps = this.o.clockTicksPerSecond ?? 100;
    const out: ProcessSample[] = [];
    for (const r of parsePsRows(text).rows) {
      const m = this.matcher.match([path.basename(r.comm)], path.basename(r.comm));
      if (m) out.push({ pid: r.pid, startTimeTicks: 0, name: m.name, product: m.product, cpuTicks: Math.round(r.cpuSeconds * tps), rssKb: r.rssKb });
    }
    return out;
  }

  private auditdSample(atMs: number): AuditdSample | undefined {
    const statusText = this.run('auditctl', ['-s']);
    const status: AuditStatus | undefined = statusText ? parseAuditctlStatus(statusText) : undefined;
    if (!status) return undefined; // no auditctl, not root, or no audit in the kernel
    if (!this.rules || this.newWindowSince(this.rules.atMs, atMs)) {
      const rulesText = this.run('auditctl', ['-l']);
      this.rules = { atMs, value: rulesText !== undefined ? parseAuditctlRules(rulesText) : undefined };
    }
    const rules = this.rules.value;
    const confFile = this.o.auditdConf ?? this.confOfRunningAuditd(status.pid) ?? '/etc/audit/auditd.conf';
    const confText = readText(confFile);
    const conf: AuditdConf | undefined = confText !== undefined ? parseAuditdConf(confText) : undefined;
    const plugins = conf ? this.plugins(conf) : undefined;
    const logFiles = conf ? this.logFiles(conf.logFile ?? '/var/log/audit/audit.log') : undefined;
    return { status, rules, conf, plugins, logFiles };
  }

  /** A private auditd runs as `auditd -c DIR`: its config is DIR/auditd.conf. */
  private confOfRunningAuditd(pid: number): string | undefined {
    if (!pid) return undefined;
    const argv = readText(path.join(this.procRoot, String(pid), 'cmdline'))?.split('\0') ?? [];
    const i = argv.indexOf('-c');
    return i >= 0 && argv[i + 1] ? path.join(argv[i + 1], 'auditd.conf') : undefined;
  }

  private plugins(conf: AuditdConf): AuditPluginConf[] {
    const dirs = conf.pluginDir ? [conf.pluginDir] : ['/etc/audit/plugins.d', '/etc/audisp/plugins.d'];
    const out: AuditPluginConf[] = [];
    for (const dir of dirs) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.conf'));
      } catch {
        continue;
      }
      for (const n of names) {
        const t = readText(path.join(dir, n));
        if (t !== undefined) out.push(parseAuditPluginConf(n, t));
      }
    }
    return out;
  }

  private logFiles(logFile: string): LogFileEntry[] | undefined {
    const dir = path.dirname(logFile);
    const base = path.basename(logFile);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return undefined;
    }
    const out: LogFileEntry[] = [];
    for (const name of names) {
      if (!isLogName(name, base)) continue;
      try {
        const st = fs.statSync(path.join(dir, name));
        if (st.isFile())
          out.push({ name: name === base ? 'audit.log' : `audit.log${name.slice(base.length)}`, size: st.size, mtimeMs: st.mtimeMs, inode: st.ino });
      } catch {
        // rotated away meanwhile
      }
    }
    return out;
  }
}
