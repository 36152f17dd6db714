import { hasWildcard } from '@fleettune/paths';
import { ExportableExclusion } from '@fleettune/rules';
import { SkippedExclusion } from './exclusion-exporter';
import { AUDIT_ONLY_REASON } from './value-checks';

/**
 * Exclusion types as the Secure Endpoint console names them (Threat, Path,
 * File Extension, File Name, Process, Wildcard; policy.xml type codes 1-6).
 * The API v3 read shape carries the type in `exclusionType`; its exact
 * string values are not documented publicly, so the console names are used.
 */
export type CiscoExclusionType = 'Path' | 'Wildcard' | 'File Extension' | 'File Name' | 'Process';

/**
 * One exclusion in the Secure Endpoint API v3 shape, as
 * `GET /v3/organizations/{org}/exclusion_sets/{guid}/exclusions` returns it
 * (fields read by Cisco's own export sample,
 * https://github.com/CiscoSecurity/amp-04-export-exclusions/blob/main/amp-04-export-exclusions.py):
 * `exclusionType`, `path`, `fileExtension`, `anyDrive`,
 * `engineSettings.fileScan.{applyToEngine, applyToChildProcesses}`,
 * `engineSettings.{maliciousActivity, behavioralProtection, systemProcessProtection}.applyToEngine`
 * and `process.{path, sha}`. A process exclusion's child scope is a file-scan
 * engine setting, not a property of the process.
 */
export interface CiscoApiV3Exclusion {
  exclusionType: CiscoExclusionType;
  path?: string;
  fileExtension?: string;
  engineSettings?: { fileScan: { applyToEngine: boolean; applyToChildProcesses: boolean } };
  process?: { path: string; sha: string };
}

export interface CiscoExclusion {
  api: CiscoApiV3Exclusion;
  /** Process exclusions only: '' applies to every user (local accounts differ per host). Set in the console (Cisco doc 214656). */
  user: string;
  /** What the admin must know about this exclusion (connector versions...). */
  notes: string[];
}

/**
 * "Starting with Connector version 1.15.2, the process exclusion path will accept
 * wildcards ('*'). A wildcard will match any set of characters within one file or
 * directory level." (Cisco doc 214656, Secure Endpoint: Process Exclusions in macOS
 * and Linux, https://www.cisco.com/c/en/us/support/docs/security/amp-endpoints/214656-amp-for-endpoints-process-exclusions-in.html)
 */
export const CISCO_PROCESS_WILDCARD_NOTE = 'the * in this process path needs Mac/Linux connector 1.15.2 or later; older connectors take it literally';

/** Process exclusions exist from connector 1.11.0 (Cisco doc 214656). */
export const CISCO_PROCESS_EXCLUSION_MIN_CONNECTOR = '1.11.0';

/**
 * A policy holds at most 100 process exclusions: Cisco's policy exclusion
 * statistics sample warns "Policy exceeds the maximum 100 process exceptions"
 * (johnosn/amp-05-policy-exclusion-stats, shared/samples/cisco_amp_policy_exclusion_counts_readme.txt).
 */
export const CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY = 100;

export const CISCO_PROCESS_LIMIT_REASON = `beyond the per-policy limit of ${CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY} process exclusions (items are in rank order; the first ${CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY} are kept): split the set over two policies or approve fewer`;

/**
 * One mapping for the CSV and JSON exports. Cisco path exclusions cover a
 * directory by prefix; wildcards match within one level.
 */
export function toCiscoExclusion(item: ExportableExclusion): CiscoExclusion | { skip: string } {
  const none = { user: '', notes: [] as string[] };
  switch (item.type) {
    case 'path':
      return { ...none, api: { exclusionType: 'Path', path: item.value } };
    case 'wildcard':
      return { ...none, api: { exclusionType: 'Wildcard', path: item.value } };
    case 'extension':
      return { ...none, api: { exclusionType: 'File Extension', fileExtension: item.value.replace(/^\./, '') } };
    case 'filename':
      return { ...none, api: { exclusionType: 'File Name', path: item.value } };
    case 'process': {
      if (!item.value.startsWith('/')) return { skip: 'process exclusions must be full paths' };
      const notes = hasWildcard(item.value) ? [CISCO_PROCESS_WILDCARD_NOTE] : [];
      return {
        user: item.user,
        notes,
        api: {
          exclusionType: 'Process',
          engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: item.applyToChildren } },
          process: { path: item.value, sha: '' },
        },
      };
    }
    case 'audit-exe':
    case 'audit-dir':
      return { skip: AUDIT_ONLY_REASON };
    default:
      return { skip: `unknown type ${String((item as { type: unknown }).type)}` };
  }
}

/**
 * Maps every item, keeping at most the per-policy number of process
 * exclusions (the rest skipped with why) and reporting wildcard process
 * paths as partial (they hold only on recent connectors).
 */
export function toCiscoExclusions(items: readonly ExportableExclusion[]): {
  mapped: { item: ExportableExclusion; exclusion: CiscoExclusion }[];
  skipped: SkippedExclusion[];
  partial: SkippedExclusion[];
} {
  const mapped: { item: ExportableExclusion; exclusion: CiscoExclusion }[] = [];
  const skipped: SkippedExclusion[] = [];
  const partial: SkippedExclusion[] = [];
  let processes = 0;
  for (const item of items) {
    const c = toCiscoExclusion(item);
    if ('skip' in c) {
      skipped.push({ item, reason: c.skip });
      continue;
    }
    if (c.api.exclusionType === 'Process' && ++processes > CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY) {
      skipped.push({ item, reason: CISCO_PROCESS_LIMIT_REASON });
      continue;
    }
    for (const note of c.notes) partial.push({ item, reason: note });
    mapped.push({ item, exclusion: c });
  }
  return { mapped, skipped, partial };
}
