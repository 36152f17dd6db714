import { UNREVIEWED_MARK } from './unreviewed-marking';
import { hasWildcard } from '@fleettune/paths';
import { ExportableExclusion } from '@fleettune/rules';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';

export const AUDITD_RULES_FILE_NAME = '10-fleettune-exclusions.rules';

/** Why an apply-to-children process item is only a partial auditd exclusion. */
export const AUDITD_CHILDREN_REASON =
  'apply-to-children has no auditd equivalent (exe= matches the process itself, not its children; -F ppid= is a per-boot pid): only the program\'s own records are excluded';

/**
 * A rules.d file of `-a never,exit` rules. The 10- prefix sorts it before the
 * broad `always` rules, which matters because auditd stops at the first
 * matching rule. auditctl splits rules on whitespace and has no quoting, so
 * any value with whitespace, quotes, control characters or a wildcard is
 * skipped rather than written as a broken or widened rule.
 */
export class AuditdRulesExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const skipped: SkippedExclusion[] = [];
    const partial: SkippedExclusion[] = [];
    const lines = [
      `## ${AUDITD_RULES_FILE_NAME}: fleettune recommended audit exclusions.`,
      '## Install in /etc/audit/rules.d/ so it loads before the broad rules, then run augenrules --load.',
      ...(options.unreviewed ? [`## ${UNREVIEWED_MARK}`] : []),
    ];
    const seen = new Set<string>();
    for (const item of items) {
      const field = fieldFor(item);
      if (!field) {
        skipped.push({ item, reason: 'no auditd equivalent for this exclusion type' });
        continue;
      }
      const why = unusableForAuditd(item.value);
      if (why) {
        skipped.push({ item, reason: why });
        continue;
      }
      const rule = `-a never,exit -F ${field}=${item.value}`;
      if (seen.has(rule)) continue;
      seen.add(rule);
      if (field === 'exe' && item.applyToChildren) {
        // The kernel matches exe= against the task's own executable only; a child
        // (fork+exec of /usr/bin/date) has its own exe. The one parent filter,
        // -F ppid=, takes a pid that changes at every restart, so it cannot go in a
        // fleet-wide rules file. Written for the program's own records, and said so.
        partial.push({ item, reason: AUDITD_CHILDREN_REASON });
        lines.push(`## ${item.value}: ${AUDITD_CHILDREN_REASON}`);
      }
      lines.push(rule);
    }
    return { content: lines.join('\n') + '\n', skipped, partial };
  }
}

function fieldFor(item: ExportableExclusion): 'exe' | 'dir' | undefined {
  switch (item.type) {
    case 'process':
    case 'audit-exe':
      return 'exe';
    case 'audit-dir':
      return 'dir';
    case 'path':
      // `dir=` watches a directory tree; a single file has no never-rule form here.
      return item.isDirectory ? 'dir' : undefined;
    default:
      return undefined;
  }
}

function unusableForAuditd(value: string): string | undefined {
  if (!value.startsWith('/')) return 'auditd needs an absolute path';
  if (/[\s\u0000-\u001f\u007f\u0085\u00a0\u2028\u2029]/.test(value)) return 'auditd rule syntax cannot carry whitespace or control characters in a path';
  if (/["'`\\#]/.test(value)) return 'auditd rule syntax cannot carry quotes, backslashes or # in a path';
  if (hasWildcard(value)) return 'auditd does not support wildcards';
  if (value.length > 4096) return 'path longer than PATH_MAX';
  return undefined;
}
