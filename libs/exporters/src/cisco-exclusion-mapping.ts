import { ExportableExclusion } from '@fleettune/rules';
import { AUDIT_ONLY_REASON } from './value-checks';

/** Exclusion types as the Secure Endpoint console names them. */
export type CiscoExclusionType = 'Path' | 'Wildcard' | 'File Extension' | 'File Name' | 'Process';

export interface CiscoExclusion {
  type: CiscoExclusionType;
  path: string;
  fileExtension: string;
  processPath: string;
  /** Process exclusions only: '' applies to every user (local accounts differ per host). */
  user: string;
  applyToChildProcesses: boolean;
}

/**
 * One mapping for the CSV and JSON exports. Cisco path exclusions cover a
 * directory by prefix; wildcards match within one level (connector >= 1.15.2
 * for process paths).
 */
export function toCiscoExclusion(item: ExportableExclusion): CiscoExclusion | { skip: string } {
  const base = { path: '', fileExtension: '', processPath: '', user: '', applyToChildProcesses: false };
  switch (item.type) {
    case 'path':
      return { ...base, type: 'Path', path: item.value };
    case 'wildcard':
      return { ...base, type: 'Wildcard', path: item.value };
    case 'extension':
      return { ...base, type: 'File Extension', fileExtension: item.value.replace(/^\./, '') };
    case 'filename':
      return { ...base, type: 'File Name', path: item.value };
    case 'process':
      if (!item.value.startsWith('/')) return { skip: 'process exclusions must be full paths' };
      return { ...base, type: 'Process', processPath: item.value, user: item.user, applyToChildProcesses: item.applyToChildren };
    case 'audit-exe':
    case 'audit-dir':
      return { skip: AUDIT_ONLY_REASON };
    default:
      return { skip: `unknown type ${String((item as { type: unknown }).type)}` };
  }
}
