import { hasWildcard } from '@fleettune/paths';
import { ExportableExclusion } from '@fleettune/rules';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';
import { UNREVIEWED_MARK } from './unreviewed-marking';

/**
 * 99-: sorts after the host's own rules files (Debian's 99-finalize.rules included), so they load
 * before the `-i` line of this file and keep auditctl's stop-at-the-first-error behaviour; see the class.
 */
export const AUDITD_RULES_FILE_NAME = '99-fleettune-exclusions.rules';

/**
 * The header of the rules file: what it does to the load, in the file itself (an
 * operator reading /etc/audit/rules.d/ must not need our docs to know).
 */
export const AUDITD_LOAD_NOTES = [
  '## Safe where a path below does not exist. The kernel refuses an exe=/dir= rule whose path (or its',
  '## parent directory) is absent with "Error sending add rule data request (No such file or directory)",',
  '## and auditctl -R / augenrules --load stop at the first such error. Therefore:',
  '## - The -i line below tells auditctl to report such a line and go on, and to exit 0. It holds from',
  "##   that line to the end of the load: the host's rules files sort BEFORE this one (99-) and load",
  '##   exactly as without it (an error there still stops the load and fails it); only files sorted',
  "##   after this one and augenrules' final -e line load past errors (reported, never fewer rules).",
  '## - The rules use -A (insert at the head of the exit list) instead of -a: loaded last, they are',
  "##   still evaluated before the host's always rules, and auditd stops at the first matching rule.",
  '-i',
];

/**
 * Why a process or path item is not an auditd rule. They come from exec,
 * file-scan and AV data (Defender's files scanned, eslogger, a Mac's
 * ampdaemon.log): a program noisy for the AV is not thereby noisy in
 * audit.log, and muting its audit records would blind the audit trail for no
 * measured saving. The engine's audit-exe / audit-dir items are measured on
 * audit records; only those are written.
 */
export const AUDITD_NOT_AUDIT_EVIDENCE_REASON =
  'not evidenced by audit records (an AV, exec or files-scanned item): the auditd export takes only the audit-exe and audit-dir items measured on audit.log';

export const AUDITD_MAC_PATH_REASON = 'a macOS path: auditd runs on Linux';

/** Roots that exist only on macOS (firmlinked system volume, user homes, bundles). */
const MAC_ONLY_ROOTS = ['/Users', '/Applications', '/System', '/Library', '/private', '/Volumes', '/cores', '/Network'];

/**
 * A rules.d file of `-A never,exit` rules (AUDITD_LOAD_NOTES: loaded after the
 * host's rules, inserted ahead of them, each absent path skipped with `-i`,
 * never stopping what follows). auditctl splits rules on whitespace and has no quoting, so
 * any value with whitespace, quotes, control characters or a wildcard is
 * skipped rather than written as a broken or widened rule.
 *
 * The forms follow the MDE auditd guide's support tool (seeds/mde-linux-performance.md,
 * "AuditD exclusion – support tool syntax"):
 * - `-e <exe>` "Removes all events by this initiator": `-F exe=<exe>`.
 * - `-d <dir>` "Removes filesystem events targeting this directory": `-F dir=<dir> -F perm=rwa`.
 * - `-x <exe> <dir>` "exclude access to subdirectories by specific initiators": `-F exe=<exe> -F dir=<dir> -F perm=rwa`,
 *   written for an audit-dir item whose records come (nearly) all from one initiator
 *   (`evidence.auditInitiator`): it mutes only that program there, narrower than `-d`.
 *   `perm=rwa` keeps the rule to reads, writes and attribute changes, so a program
 *   executed from the directory is still recorded (the support tool never excludes
 *   execve either); `muteExecInDirectories` drops it to mute executions too.
 */
export class AuditdRulesExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const skipped: SkippedExclusion[] = [];
    const dirPerm = options.muteExecInDirectories ? '' : ' -F perm=rwa';
    const lines = [
      `## ${AUDITD_RULES_FILE_NAME}: fleettune recommended audit exclusions.`,
      '## Install in /etc/audit/rules.d/ and run augenrules --load (or auditctl -R this file).',
      ...(options.unreviewed ? [`## ${UNREVIEWED_MARK}`] : []),
      options.muteExecInDirectories
        ? '## Directory rules mute every record about the directory, executions included (asked for).'
        : '## Directory rules carry -F perm=rwa: reads, writes and attribute changes are muted, executions from the directory are still recorded.',
      ...AUDITD_LOAD_NOTES,
    ];
    const seen = new Set<string>();
    for (const item of items) {
      const filter = filterFor(item);
      if (!filter) {
        skipped.push({
          item,
          reason: item.type === 'process' || item.type === 'path' ? AUDITD_NOT_AUDIT_EVIDENCE_REASON : 'no auditd equivalent for this exclusion type',
        });
        continue;
      }
      const why = unusableForAuditd(item.value);
      if (why) {
        skipped.push({ item, reason: why });
        continue;
      }
      const initiator = filter === 'dir' ? item.evidence?.auditInitiator : undefined;
      const initiatorWhy = initiator === undefined ? undefined : unusableForAuditd(initiator);
      // An initiator that cannot be written (a space in its path...) falls back to the whole directory.
      const exe = initiator !== undefined && !initiatorWhy ? `-F exe=${initiator} ` : '';
      const rule = `-A never,exit ${exe}-F ${filter}=${item.value}${filter === 'dir' ? dirPerm : ''}`;
      if (seen.has(rule)) continue;
      seen.add(rule);
      lines.push(rule);
    }
    return { content: lines.join('\n') + '\n', skipped, partial: [] };
  }
}

function filterFor(item: ExportableExclusion): 'exe' | 'dir' | undefined {
  switch (item.type) {
    case 'audit-exe':
      return 'exe';
    case 'audit-dir':
      return 'dir';
    default:
      return undefined;
  }
}

/** Why a path cannot be written into an auditd rule (syntax, macOS, wildcard), or undefined when it can. */
export function unusableForAuditd(value: string): string | undefined {
  if (!value.startsWith('/')) return 'auditd needs an absolute path';
  if (MAC_ONLY_ROOTS.some((r) => value === r || value.startsWith(r + '/'))) return AUDITD_MAC_PATH_REASON;
  if (/[\s\u0000-\u001f\u007f\u0085\u00a0\u2028\u2029]/.test(value)) return 'auditd rule syntax cannot carry whitespace or control characters in a path';
  if (/["'`\\#]/.test(value)) return 'auditd rule syntax cannot carry quotes, backslashes or # in a path';
  if (hasWildcard(value)) return 'auditd does not support wildcards';
  if (value.length > 4096) return 'path longer than PATH_MAX';
  return undefined;
}
