import { hasWildcard } from '@fleettune/paths';
import { ExportableExclusion } from '@fleettune/rules';
import { AUDIT_ONLY_REASON } from './value-checks';

/**
 * Why a child-scoped process item has no MDE form. Defender's process exclusion
 * (`excludedFileName`, `mdatp exclusion process add`) takes a name or path and
 * scopes, and excludes that process's own file activity: nothing in it reaches
 * the children the process starts (https://learn.microsoft.com/defender-endpoint/linux-exclusions).
 * An item recommended for its children's noise would be exported as a no-op that
 * looks done, so it is refused, with this reason, in every MDE format.
 */
export const MDE_CHILD_SCOPE_REASON =
  "apply-to-children has no Defender equivalent: an MDE process exclusion covers the process itself, never the child processes it starts, so this item (recommended for its children's noise) would silently do nothing; exclude the children's files by path, or use the Cisco export";

export type MdatpExclusionEntry =
  | { $type: 'excludedPath'; isDirectory: boolean; path: string; scopes: string[] }
  | { $type: 'excludedFileExtension'; extension: string; scopes: string[] }
  | { $type: 'excludedFileName'; name: string; scopes: string[] };

/**
 * Maps one item to MDE's exclusion entry, shared by the JSON, plist and CLI
 * exporters so they never disagree. Scopes are always explicit: a missing
 * scope on excludedFileName means global, which must be asked for.
 */
export function toMdatpEntry(item: ExportableExclusion, useGlobalScope: boolean): MdatpExclusionEntry | { skip: string } {
  const global = useGlobalScope && item.globalScopeEligible && !hasWildcard(item.value) ? ['epp', 'global'] : ['epp'];
  switch (item.type) {
    case 'path':
    case 'wildcard':
      if (!item.value.startsWith('/')) return { skip: 'not an absolute path' };
      return { $type: 'excludedPath', isDirectory: item.isDirectory, path: item.value, scopes: item.type === 'path' ? global : ['epp'] };
    case 'extension': {
      const ext = item.value.startsWith('.') ? item.value : `.${item.value}`;
      return { $type: 'excludedFileExtension', extension: ext, scopes: ['epp'] };
    }
    case 'process':
      // MDE takes a name or a full path; fleettune only recommends full paths (MDE: "use full paths, not bare names").
      if (!item.value.startsWith('/')) return { skip: 'process exclusions must be full paths' };
      if (item.applyToChildren) return { skip: MDE_CHILD_SCOPE_REASON };
      return { $type: 'excludedFileName', name: item.value, scopes: global };
    case 'filename':
      return { skip: 'MDE has no file-name exclusion (excludedFileName is a process exclusion)' };
    case 'audit-exe':
    case 'audit-dir':
      return { skip: AUDIT_ONLY_REASON };
    default:
      return { skip: `unknown type ${String((item as { type: unknown }).type)}` };
  }
}
