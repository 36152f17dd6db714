import { unusableForAuditd } from './auditd-rules-exporter';

/**
 * The agent-applied auditd exclusions (issue 14 item 2), pure parts: which approved items make a
 * rule on one host, the rules file the agent writes, and how its rules are found in `auditctl -l`.
 * The agent (apps/agent/src/auditd-apply) does the file and kernel side effects.
 */

/** The rules file the agent owns in /etc/audit/rules.d (rewritten whole on every change). */
export const AGENT_AUDITD_RULES_FILE_NAME = '10-fleettune.rules';

/**
 * Every rule the agent loads carries this key: it is how the agent tells its own rules from the
 * host's in `auditctl -l`, so it only ever deletes rules it wrote.
 */
export const AGENT_AUDITD_RULE_KEY = 'fleettune-applied';

/** One approved auditd item as the hub sends it (fleettune.v1 AuditdExclusionItem). */
export interface HostAuditdItem {
  itemId: string;
  type: string;
  value: string;
  /** audit-dir only: the one program the directory is muted for (`-x` form); '' or absent = every program. */
  initiator?: string;
}

export type PathKind = 'file' | 'directory' | 'absent';

/** What the kernel rule matches on: a program, a directory, or one program in one directory. */
export interface AuditdRuleTarget {
  exe?: string;
  dir?: string;
}

export interface PlannedAuditdRule {
  item: HostAuditdItem;
  target: AuditdRuleTarget;
  /** The line written in the rules file (`-A never,exit ... -F key=fleettune-applied`). */
  line: string;
}

export interface SkippedAuditdItem {
  item: HostAuditdItem;
  reason: string;
}

export interface HostAuditdPlan {
  rules: PlannedAuditdRule[];
  skipped: SkippedAuditdItem[];
}

export const ABSENT_PATH_REASON = 'not present on this host (the kernel refuses a rule on an absent path)';

/**
 * Which items make a rule on this host. A rule needs every path it names to exist (the kernel
 * refuses `exe=`/`dir=` on an absent one, and auditctl would stop the host's later rules there);
 * the rest are skipped with the reason. An audit-dir item for one initiator whose program is
 * absent is skipped, never widened to the whole directory: that is not what was approved.
 * Two items making the same rule give one rule (the second is skipped as a duplicate).
 */
export function planHostAuditdRules(items: readonly HostAuditdItem[], pathKind: (path: string) => PathKind): HostAuditdPlan {
  const rules: PlannedAuditdRule[] = [];
  const skipped: SkippedAuditdItem[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const why = skipReason(item, pathKind);
    if (why) {
      skipped.push({ item, reason: why });
      continue;
    }
    const target: AuditdRuleTarget =
      item.type === 'audit-exe' ? { exe: item.value } : item.initiator ? { exe: item.initiator, dir: item.value } : { dir: item.value };
    const key = targetKey(target);
    if (seen.has(key)) {
      skipped.push({ item, reason: 'the same rule as another approved item' });
      continue;
    }
    seen.add(key);
    rules.push({ item, target, line: ['-A', ...ruleFields(target)].join(' ') });
  }
  return { rules, skipped };
}

function skipReason(item: HostAuditdItem, pathKind: (path: string) => PathKind): string | undefined {
  if (item.type !== 'audit-exe' && item.type !== 'audit-dir') return `type ${JSON.stringify(item.type)} has no auditd rule (only audit-exe and audit-dir)`;
  const syntax = unusableForAuditd(item.value);
  if (syntax) return syntax;
  const initiator = item.type === 'audit-dir' ? item.initiator || undefined : undefined;
  if (initiator !== undefined) {
    const initiatorSyntax = unusableForAuditd(initiator);
    if (initiatorSyntax) return `initiator: ${initiatorSyntax}`;
  }
  const kind = pathKind(item.value);
  if (kind === 'absent') return ABSENT_PATH_REASON;
  if (item.type === 'audit-exe' && kind !== 'file') return 'not a file on this host';
  if (item.type === 'audit-dir' && kind !== 'directory') return 'not a directory on this host';
  if (initiator !== undefined) {
    const k = pathKind(initiator);
    if (k !== 'file')
      return `its program ${initiator} is ${k === 'absent' ? 'not present' : 'not a file'} on this host (the rule mutes that program only; never widened to the whole directory)`;
  }
  return undefined;
}

/** The rule without its operation: `never,exit -F exe=… [-F dir=… -F perm=rwa] -F key=fleettune-applied`. */
export function ruleFields(target: AuditdRuleTarget): string[] {
  return [
    'never,exit',
    ...(target.exe !== undefined ? ['-F', `exe=${target.exe}`] : []),
    // perm=rwa as in the export: executions from the directory stay recorded.
    ...(target.dir !== undefined ? ['-F', `dir=${target.dir}`, '-F', 'perm=rwa'] : []),
    '-F',
    `key=${AGENT_AUDITD_RULE_KEY}`,
  ];
}

/** auditctl arguments adding (at the head of the exit list, like the export) or deleting one rule. */
export function auditctlArgs(op: 'add' | 'delete', target: AuditdRuleTarget): string[] {
  return [op === 'add' ? '-A' : '-d', ...ruleFields(target)];
}

export function targetKey(t: AuditdRuleTarget): string {
  return `${t.exe ?? ''}\u0000${t.dir ?? ''}`;
}

/**
 * The agent's rules in an `auditctl -l` listing: those carrying AGENT_AUDITD_RULE_KEY, in the two
 * forms auditctl prints ours in: `-a never,exit -S all -F exe=… [-F dir=… -F perm=rwa] -F key=…`
 * and, for a directory rule with a perm filter, the watch form `-w <dir> -p rwa -k …` (auditctl
 * drops the never action from that display). Any other rule, with our key or not, is not ours.
 */
export function agentRulesInListing(listing: string): AuditdRuleTarget[] {
  const out: AuditdRuleTarget[] = [];
  for (const raw of listing.split('\n')) {
    const tokens = raw.trim().split(/\s+/);
    if (tokens[0] === '-w') {
      // -w <dir> -p rwa -k <key>
      const opts = optionPairs(tokens.slice(2));
      if (tokens.length === 6 && opts.get('-p') === 'rwa' && opts.get('-k') === AGENT_AUDITD_RULE_KEY && tokens[1]) out.push({ dir: tokens[1] });
      continue;
    }
    if (tokens[0] !== '-a' || tokens[1] !== 'never,exit') continue;
    const fields = new Map<string, string>();
    let other = false;
    for (let i = 2; i < tokens.length; i += 2) {
      if (tokens[i] === '-S' && tokens[i + 1] === 'all') continue;
      if (tokens[i] !== '-F' || tokens[i + 1] === undefined) {
        other = true;
        break;
      }
      const eq = tokens[i + 1].indexOf('=');
      if (eq <= 0) {
        other = true;
        break;
      }
      const name = tokens[i + 1].slice(0, eq);
      if (fields.has(name)) other = true;
      fields.set(name, tokens[i + 1].slice(eq + 1));
    }
    if (other || fields.get('key') !== AGENT_AUDITD_RULE_KEY) continue;
    const exe = fields.get('exe');
    const dir = fields.get('dir');
    const perm = fields.get('perm');
    const known = [...fields.keys()].every((k) => k === 'exe' || k === 'dir' || k === 'perm' || k === 'key');
    // Exactly the shapes ruleFields writes.
    if (!known || (exe === undefined && dir === undefined) || (dir !== undefined) !== (perm === 'rwa')) continue;
    out.push({ ...(exe !== undefined ? { exe } : {}), ...(dir !== undefined ? { dir } : {}) });
  }
  return out;
}

function optionPairs(tokens: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < tokens.length; i += 2) m.set(tokens[i], tokens[i + 1]);
  return m;
}

export interface AuditdRuleDiff {
  /** Planned rules the kernel has. */
  present: PlannedAuditdRule[];
  /** Planned rules the kernel lacks: to add. */
  missing: PlannedAuditdRule[];
  /** The agent's rules in the kernel that are no longer planned (an item removed or no longer approved), or a second copy: to delete. */
  stale: AuditdRuleTarget[];
}

/** Our planned rules against the agent's rules in `auditctl -l` (agentRulesInListing); never looks at the host's own rules. */
export function diffAuditdRules(planned: readonly PlannedAuditdRule[], listing: string): AuditdRuleDiff {
  const loaded = new Map<string, number>();
  const stale: AuditdRuleTarget[] = [];
  const plannedKeys = new Set(planned.map((p) => targetKey(p.target)));
  for (const t of agentRulesInListing(listing)) {
    const k = targetKey(t);
    if (!plannedKeys.has(k) || loaded.has(k)) stale.push(t);
    else loaded.set(k, 1);
  }
  return {
    present: planned.filter((p) => loaded.has(targetKey(p.target))),
    missing: planned.filter((p) => !loaded.has(targetKey(p.target))),
    stale,
  };
}

export interface HostRulesFileInput {
  setVersion: number;
  etag: string;
  rules: readonly PlannedAuditdRule[];
  skipped: readonly SkippedAuditdItem[];
}

/**
 * The content of 10-fleettune.rules. Only rules whose paths existed when it was written; the
 * skipped items as comments with their reason (values JSON-quoted: a hostile value cannot start a
 * line of its own). `-i` first: if a path vanishes before the next boot, augenrules' load reports
 * that line and goes on instead of stopping there, so the host's own rules after this file always
 * load (never fewer rules than without us); `-A` puts ours at the head of the exit list whatever
 * file order, as the export does.
 */
export function renderHostRulesFile(input: HostRulesFileInput): string {
  const lines = [
    `## ${AGENT_AUDITD_RULES_FILE_NAME}: written by fleettune-agent apply-exclusions; rewritten whole on every change, do not edit.`,
    `## Approved auditd exclusions of set version ${input.setVersion} (${input.etag}) whose paths exist on this host.`,
    `## Every rule carries key=${AGENT_AUDITD_RULE_KEY}; the agent deletes only rules with that key that it wrote.`,
    '## -i: a rule whose path vanished before the next boot is reported and skipped, never stopping the rules after this file.',
    '-i',
    ...input.rules.map((r) => r.line),
    ...input.skipped.map((s) => `## skipped ${s.item.type} ${JSON.stringify(s.item.value)}: ${JSON.stringify(s.reason)}`),
  ];
  return lines.join('\n') + '\n';
}

/** The rule lines (`-A …`) of a rules file the agent wrote: what it loaded last time. */
export function ruleLinesOf(content: string): string[] {
  return content.split('\n').filter((l) => l.startsWith('-A '));
}
