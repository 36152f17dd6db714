import { AuditRule } from './auditctl';
import { CostWindow } from './cost-window';

export type FindingSeverity = 'info' | 'warning' | 'critical';

export interface Finding {
  code:
    | 'audit-lost-events'
    | 'audit-immutable'
    | 'audit-disabled'
    | 'audit-no-daemon'
    | 'audit-backlog-high'
    | 'audit-backlog-wait'
    | 'audit-dispatch-lossy'
    | 'audit-multiple-consumers'
    | 'audit-log-fast-growth'
    | 'product-high-cpu'
    | 'rule-watches-noisy-path';
  severity: FindingSeverity;
  message: string;
  /** What the vendors' guides advise. */
  advice: string;
}

export interface FindingOptions {
  /** A product's CPU (percent of one core) at or above this is a finding. Default 25. */
  highCpuPercent?: number;
  /** Backlog at or above this fraction of backlog_limit. Default 0.8. */
  backlogFraction?: number;
  /** More rotations than this per day. Default 24 (hourly). */
  rotationsPerDay?: number;
  /** Audit log growth above this many bytes per hour. Default 1 GiB. */
  logBytesPerHour?: number;
  /** A watched path's count in the window at or above this is noisy. Default 1000 (Cisco's per-window threshold). */
  noisyPathCount?: number;
}

export interface FindingInput {
  window: CostWindow;
  /** Loaded rules (auditctl -l), to match against noisy paths. */
  rules?: readonly AuditRule[];
  /** The window's most operated-on or executed paths (from the counts). */
  noisyPaths?: ReadonlyArray<{ path: string; count: number }>;
}

const under = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Findings for one window of host cost, each with the advice the tuning
 * guides give (MDE "Troubleshoot AuditD performance issues"; Cisco "watch
 * CPU after the policy change").
 */
export function costFindings(input: FindingInput, o: FindingOptions = {}): Finding[] {
  const out: Finding[] = [];
  const w = input.window;
  const a = w.auditd;
  const seconds = Math.max(1, w.coveredMs || w.windowEndMs - w.windowStartMs) / 1000;
  const highCpu = o.highCpuPercent ?? 25;
  for (const p of w.products) {
    const pct = (p.cpuMs / 1000 / seconds) * 100;
    if (pct >= highCpu) {
      out.push({
        code: 'product-high-cpu',
        severity: pct >= 2 * highCpu ? 'critical' : 'warning',
        message: `${p.name} (${p.product}) used ${pct.toFixed(1)}% of a CPU`,
        advice:
          p.name === 'mdatp_audisp_plugin' || p.product === 'auditd'
            ? 'Too many audit events: find the noisy initiators and paths (top execs/files, audit keys) and add auditd exclusions (-a never,exit -F exe=/-F dir=) for low-threat, high-noise ones; check for several audit consumers.'
            : 'Find the processes triggering the most scans and exclude the low-threat, high-noise ones; re-check CPU for 5-10 minutes after the change.',
      });
    }
  }
  if (!a) return out;
  if (a.lostDelta > 0) {
    out.push({
      code: 'audit-lost-events',
      severity: 'critical',
      message:
        `the kernel lost ${a.lostDelta} audit events in the window (lost ${a.lostTotal} since boot)` +
        (a.rateLimit > 0 ? `; rate_limit is ${a.rateLimit}/s` : ''),
      advice:
        (a.rateLimit > 0 ? 'Raise or remove the rate limit (auditctl -r 0). ' : '') +
        'Raise the backlog (auditctl -b) and reduce the event volume with exclusions for noisy, low-threat initiators and paths; security products miss what is lost.',
    });
  }
  if (a.enabled === 2) {
    out.push({
      code: 'audit-immutable',
      severity: 'warning',
      message: 'auditd is in immutable mode (enabled 2): rules and settings cannot change until reboot',
      advice: 'Pushed auditd exclusions take effect only after a reboot; remove -e 2 from the rules (rules.d) to allow changes, then restart.',
    });
  } else if (a.enabled === 0) {
    out.push({
      code: 'audit-disabled',
      severity: 'info',
      message: 'kernel auditing is disabled (enabled 0)',
      advice: 'Products relying on auditd (e.g. MDE on Linux) see no audit events.',
    });
  }
  if (a.enabled >= 1 && a.pid === 0) {
    out.push({
      code: 'audit-no-daemon',
      severity: 'warning',
      message: 'auditing is on but no audit daemon is registered (pid 0)',
      advice: 'Events go to the kernel log or are lost; start auditd (MDE: missing events when auditd is offline or misconfigured).',
    });
  }
  if (a.backlogLimit > 0 && a.backlogMax >= (o.backlogFraction ?? 0.8) * a.backlogLimit) {
    out.push({
      code: 'audit-backlog-high',
      severity: 'warning',
      message: `the audit backlog reached ${a.backlogMax} of ${a.backlogLimit}`,
      advice: 'auditd or its consumers cannot keep up: reduce noisy rules or exclude noisy initiators, raise backlog_limit.',
    });
  }
  if (a.backlogWaitActualDelta > 0) {
    out.push({
      code: 'audit-backlog-wait',
      severity: 'warning',
      message: `processes were held waiting for the audit backlog (backlog_wait_time_actual +${a.backlogWaitActualDelta})`,
      advice: 'Audited programs slow down while the backlog is full: reduce the event volume.',
    });
  }
  if (a.dispatchLossy && (a.consumers?.length ?? 0) > 0) {
    out.push({
      code: 'audit-dispatch-lossy',
      severity: 'info',
      message: `dispatch to ${a.consumers!.join(', ')} is lossy (${a.dispatch})`,
      advice: 'Lossy dispatch lowers CPU (MDE suggests disp_qos = lossy for high mdatp_audisp_plugin CPU) but consumers may miss events at peaks.',
    });
  }
  if ((a.consumers?.length ?? 0) > 1) {
    out.push({
      code: 'audit-multiple-consumers',
      severity: 'info',
      message: `${a.consumers!.length} audit consumers: ${a.consumers!.join(', ')}`,
      advice: 'Several auditd consumers multiply the cost of every event (MDE: multiple consumers cause high CPU).',
    });
  }
  if (a.logBytes !== undefined || a.logRotations !== undefined) {
    const perHour = ((a.logBytes ?? 0) / seconds) * 3600;
    const rotPerDay = ((a.logRotations ?? 0) / seconds) * 86400;
    if (perHour > (o.logBytesPerHour ?? 1 << 30) || rotPerDay > (o.rotationsPerDay ?? 24)) {
      out.push({
        code: 'audit-log-fast-growth',
        severity: 'warning',
        message: `audit.log grows ${(perHour / (1 << 20)).toFixed(1)} MiB/hour, ${rotPerDay.toFixed(0)} rotations/day`,
        advice: 'audit.log growing large or rotating often means many events: find the top keys, initiators and paths and exclude the noisy, low-threat ones.',
      });
    }
  }
  const noisy = (input.noisyPaths ?? []).filter((p) => p.count >= (o.noisyPathCount ?? 1000));
  for (const r of input.rules ?? []) {
    if (r.action === 'never') continue;
    for (const dir of r.paths) {
      const hits = noisy.filter((p) => under(p.path, dir));
      if (hits.length === 0) continue;
      const total = hits.reduce((s, p) => s + p.count, 0);
      out.push({
        code: 'rule-watches-noisy-path',
        severity: 'warning',
        message: `rule "${r.text}" watches ${dir}, where ${hits.length} noisy path(s) had ${total} events (e.g. ${hits[0].path})`,
        advice: 'Narrow the rule (permissions, keys) or exclude the noisy initiator/subdirectory with -a never,exit -F dir=/-F exe= before it.',
      });
    }
  }
  return out;
}
