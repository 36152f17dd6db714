import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AGENT_AUDITD_RULES_FILE_NAME,
  AuditdRuleTarget,
  HostAuditdItem,
  PathKind,
  PlannedAuditdRule,
  diffAuditdRules,
  planHostAuditdRules,
  renderHostRulesFile,
} from '@fleettune/exporters';
import type { AuditdApplyLine } from '@fleettune/proto';
import { writeFileAtomic } from '../state/atomic-file';
import { Auditctl } from './auditctl';

export const DEFAULT_AUDIT_RULES_DIR = '/etc/audit/rules.d';

export type AuditdApplyState = 'applied' | 'partial' | 'failed' | 'immutable' | 'unavailable';

export interface AuditdApplyInput {
  items: readonly HostAuditdItem[];
  setVersion: number;
  etag: string;
  rulesDir: string;
  auditctl: Auditctl;
  /** Print-only: what would be added, kept, deleted and skipped; nothing written or loaded. */
  dryRun?: boolean;
  pathKind?: (p: string) => PathKind;
}

export interface AuditdApplyResult {
  state: AuditdApplyState;
  message: string;
  lines: AuditdApplyLine[];
  /** dry run: what would change in the kernel. */
  wouldAdd: PlannedAuditdRule[];
  wouldDelete: AuditdRuleTarget[];
}

/** What is at a path on this host (stat follows symlinks, as the kernel resolves the rule's path). */
export function hostPathKind(p: string): PathKind {
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'absent';
  } catch {
    return 'absent';
  }
}

/**
 * Applies the approved auditd items on this host (issue 14 item 2):
 * 1. never when audit is immutable (`enabled 2`): that is only reported;
 * 2. plans the rules whose paths exist here (the rest skipped with why, libs/exporters);
 * 3. writes 10-fleettune.rules (so they come back at boot), keeping the previous content;
 * 4. loads the difference with auditctl, one rule at a time: deletes only rules carrying the agent's
 *    key that are no longer planned, adds the missing ones at the head of the exit list (-A); the
 *    host's own rules are never deleted, and never moved (an insert at the head moves none of them);
 * 5. verifies with `auditctl -l` that exactly the planned rules of ours are loaded.
 * A rule the kernel refuses is a failed line (left out of the file). A failed load (a delete refused,
 * or the listing not what was loaded) restores the previous file and undoes this run's kernel changes.
 */
export async function applyAuditdExclusions(input: AuditdApplyInput): Promise<AuditdApplyResult> {
  const { auditctl } = input;
  const none = { lines: [], wouldAdd: [], wouldDelete: [] };
  const status = await auditctl.enabled();
  if ('error' in status) return { state: 'unavailable', message: `auditctl cannot be used: ${status.error}`, ...none };
  if (status.enabled === 2) {
    return { state: 'immutable', message: 'audit is immutable (enabled 2) until reboot: no rule can be added or deleted; nothing was changed', ...none };
  }
  const plan = planHostAuditdRules(input.items, input.pathKind ?? hostPathKind);
  const skippedLines = plan.skipped.map((s): AuditdApplyLine => ({ ...lineOf(s.item), outcome: 'skipped', reason: s.reason, rule: '' }));
  const before = await auditctl.list();
  if (!before.ok) return { state: 'unavailable', message: `auditctl -l failed: ${before.output}`, ...none };
  const diff = diffAuditdRules(plan.rules, before.output);
  if (input.dryRun) {
    return {
      state: 'applied',
      message: 'dry run: nothing written or loaded',
      lines: [...plan.rules.map((r): AuditdApplyLine => ({ ...lineOf(r.item), outcome: 'applied', reason: '', rule: r.line })), ...skippedLines],
      wouldAdd: diff.missing,
      wouldDelete: diff.stale,
    };
  }

  const file = path.join(input.rulesDir, AGENT_AUDITD_RULES_FILE_NAME);
  const previous = readIfExists(file);
  const writeFile = (rules: readonly PlannedAuditdRule[]) => {
    // No rule (every item removed, rejected or absent here): no file, rather than one holding only -i.
    if (rules.length === 0) {
      if (readIfExists(file) !== undefined) fs.rmSync(file);
      return;
    }
    const content = renderHostRulesFile({ setVersion: input.setVersion, etag: input.etag, rules, skipped: plan.skipped });
    if (readIfExists(file) === content) return;
    fs.mkdirSync(input.rulesDir, { recursive: true, mode: 0o750 });
    writeFileAtomic(file, content, 0o640);
  };
  const restoreFile = () => {
    if (previous === undefined) fs.rmSync(file, { force: true });
    else writeFileAtomic(file, previous, 0o640);
  };

  writeFile(plan.rules);
  const deleted: AuditdRuleTarget[] = [];
  const added: PlannedAuditdRule[] = [];
  const failed = new Map<PlannedAuditdRule, string>();
  let loadError: string | undefined;
  for (const t of diff.stale) {
    const r = await auditctl.delete(t);
    if (!r.ok) {
      loadError = `deleting a rule of ours failed: ${r.output}`;
      break;
    }
    deleted.push(t);
  }
  if (!loadError) {
    for (const rule of diff.missing) {
      const r = await auditctl.add(rule.target);
      if (r.ok) added.push(rule);
      else failed.set(rule, r.output || 'auditctl refused the rule');
    }
    const loaded = plan.rules.filter((r) => !failed.has(r));
    const after = await auditctl.list();
    const check = after.ok ? diffAuditdRules(loaded, after.output) : undefined;
    if (!check) loadError = `auditctl -l failed after loading: ${after.output}`;
    else if (check.missing.length || check.stale.length) {
      loadError = `auditctl -l after loading lacks ${check.missing.length} of our rules and has ${check.stale.length} it should not`;
    }
  }
  if (loadError) {
    // Undo this run: its additions out, its deletions back, the previous file back.
    const undo: string[] = [];
    for (const r of added) if (!(await auditctl.delete(r.target)).ok) undo.push(`could not delete ${r.line}`);
    for (const t of deleted) if (!(await auditctl.add(t)).ok) undo.push(`could not restore a deleted rule`);
    restoreFile();
    return {
      state: 'failed',
      message: `${loadError}; the previous rules file was restored${undo.length ? `, but ${undo.join('; ')}` : ' and this run undone'}`,
      lines: [
        ...plan.rules.map((r): AuditdApplyLine => ({ ...lineOf(r.item), outcome: 'failed', reason: failed.get(r) ?? loadError!, rule: r.line })),
        ...skippedLines,
      ],
      wouldAdd: [],
      wouldDelete: [],
    };
  }
  // The file holds what is loaded: a rule the kernel refused is left out of it.
  if (failed.size) writeFile(plan.rules.filter((r) => !failed.has(r)));
  return {
    state: failed.size ? 'partial' : 'applied',
    message: failed.size ? `${failed.size} of ${plan.rules.length} rules refused by the kernel` : '',
    lines: [
      ...plan.rules.map((r): AuditdApplyLine =>
        failed.has(r)
          ? { ...lineOf(r.item), outcome: 'failed', reason: failed.get(r)!, rule: r.line }
          : { ...lineOf(r.item), outcome: 'applied', reason: '', rule: r.line },
      ),
      ...skippedLines,
    ],
    wouldAdd: [],
    wouldDelete: [],
  };
}

function lineOf(item: HostAuditdItem): Pick<AuditdApplyLine, 'itemId' | 'type' | 'value'> {
  return { itemId: item.itemId, type: item.type, value: item.value };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
