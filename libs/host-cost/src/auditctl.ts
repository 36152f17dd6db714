/** `auditctl -s`: the kernel audit status. */
export interface AuditStatus {
  /** 0 off, 1 on, 2 on and immutable (rules and settings locked until reboot). */
  enabled: number;
  /** What the kernel does on a critical error: 0 silent, 1 printk, 2 panic. */
  failure?: number;
  /** pid of the registered audit daemon; 0 when none (events then go to the kernel log or are lost). */
  pid: number;
  /** Messages per second allowed; 0 = no limit. Messages over it are lost. */
  rateLimit?: number;
  backlogLimit?: number;
  /** Events lost since boot (backlog overflow, rate limit, no daemon). Cumulative. */
  lost: number;
  /** Events queued in the kernel for the daemon right now. */
  backlog?: number;
  backlogWaitTime?: number;
  /** Total time processes spent waiting because the backlog was full (cumulative). */
  backlogWaitTimeActual?: number;
  loginuidImmutable?: boolean;
  /** Every `name value` line, as text. */
  raw: Record<string, string>;
}

/** Parses `auditctl -s`. Returns undefined when `enabled`, `pid` or `lost` is missing. */
export function parseAuditctlStatus(text: string): AuditStatus | undefined {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\s+(.*?)\s*$/.exec(line);
    if (m) raw[m[1]] = m[2];
  }
  const num = (k: string) => {
    const v = raw[k] === undefined ? NaN : Number(raw[k].split(/\s+/)[0]);
    return Number.isFinite(v) ? v : undefined;
  };
  const enabled = num('enabled');
  const pid = num('pid');
  const lost = num('lost');
  if (enabled === undefined || pid === undefined || lost === undefined) return undefined;
  const li = raw['loginuid_immutable'];
  return {
    enabled,
    failure: num('failure'),
    pid,
    rateLimit: num('rate_limit'),
    backlogLimit: num('backlog_limit'),
    lost,
    backlog: num('backlog'),
    backlogWaitTime: num('backlog_wait_time'),
    backlogWaitTimeActual: num('backlog_wait_time_actual'),
    loginuidImmutable: li === undefined ? undefined : /^1\b/.test(li) || /\blocked\b/.test(li),
    raw,
  };
}

/** One loaded rule from `auditctl -l`. */
export interface AuditRule {
  text: string;
  /** syscall (-a list,action), watch (-w) or other (-e, -b, ...). */
  kind: 'syscall' | 'watch' | 'other';
  list?: string;
  action?: string;
  keys: string[];
  syscalls: string[];
  /** -w path, or -F dir= / -F path= values. */
  paths: string[];
  /** -F exe= values. */
  exes: string[];
}

/** Splits on spaces (auditctl -l does not quote; paths with spaces are printed hex-encoded). */
function tokens(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

export function parseAuditRule(line: string): AuditRule {
  const t = tokens(line);
  const rule: AuditRule = { text: line.trim(), kind: 'other', keys: [], syscalls: [], paths: [], exes: [] };
  for (let i = 0; i < t.length; i++) {
    const opt = t[i];
    const val = t[i + 1];
    if (opt === '-a' || opt === '-A') {
      rule.kind = 'syscall';
      const [a, b] = (val ?? '').split(',');
      // Either order is accepted by auditctl; -l prints list,action... or action,list.
      const lists = ['exit', 'task', 'user', 'exclude', 'filesystem', 'io_uring'];
      if (lists.includes(a)) [rule.list, rule.action] = [a, b];
      else [rule.action, rule.list] = [a, b];
      i++;
    } else if (opt === '-w') {
      rule.kind = 'watch';
      if (val) rule.paths.push(val);
      i++;
    } else if (opt === '-k') {
      if (val) rule.keys.push(val);
      i++;
    } else if (opt === '-S') {
      if (val) rule.syscalls.push(...val.split(','));
      i++;
    } else if (opt === '-F' && val) {
      const eq = val.indexOf('=');
      const name = eq > 0 ? val.slice(0, eq).replace(/[!<>]$/, '') : val;
      const v = eq > 0 ? val.slice(eq + 1) : '';
      if (name === 'key') rule.keys.push(v);
      else if (name === 'dir' || name === 'path') rule.paths.push(v);
      else if (name === 'exe') rule.exes.push(v);
      i++;
    } else if (opt === '-p') i++;
  }
  return rule;
}

/** Parses `auditctl -l` ("No rules" = none). */
export function parseAuditctlRules(text: string): AuditRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^No rules$/i.test(l))
    .map(parseAuditRule);
}

/** Which product a rule belongs to, by its key. Order matters: the first match wins. */
export interface RuleOwnerPattern {
  product: string;
  key: RegExp;
}

/** Keys the vendors document. MDE tags its rules `mdatp` (MDE Linux performance guide). */
export const DEFAULT_RULE_OWNERS: readonly RuleOwnerPattern[] = [
  { product: 'mdatp', key: /^mdatp/ },
  { product: 'fleettune', key: /^fleettune/ },
  { product: 'osquery', key: /^osquery/ },
  { product: 'wazuh', key: /^(audit-wazuh|wazuh)/ },
  { product: 'cisco', key: /^(cisco|amp)/ },
  { product: 'crowdstrike', key: /^(falcon|crowdstrike)/ },
];

export const UNKEYED = '(no key)';
export const OTHER_PRODUCT = '(other)';

/** The product owning a rule: its first key that matches an owner pattern, else "(other)" or "(no key)". */
export function ruleOwner(rule: AuditRule, owners: readonly RuleOwnerPattern[] = DEFAULT_RULE_OWNERS): string {
  if (rule.keys.length === 0) return UNKEYED;
  for (const k of rule.keys) for (const o of owners) if (o.key.test(k)) return o.product;
  return OTHER_PRODUCT;
}

/** Rules counted by owning product, largest first. */
export function rulesByProduct(rules: readonly AuditRule[], owners: readonly RuleOwnerPattern[] = DEFAULT_RULE_OWNERS): Array<{ name: string; count: number }> {
  const m = new Map<string, number>();
  for (const r of rules) {
    const p = ruleOwner(r, owners);
    m.set(p, (m.get(p) ?? 0) + 1);
  }
  return [...m].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
