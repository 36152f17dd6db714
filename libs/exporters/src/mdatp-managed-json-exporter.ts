import { UNREVIEWED_JSON_KEY, UNREVIEWED_MARK } from './unreviewed-marking';
import { ExportableExclusion } from '@fleettune/rules';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';
import { MdatpExclusionEntry, toMdatpEntry } from './mdatp-exclusion-mapping';

/**
 * `/etc/opt/microsoft/mdatp/managed/mdatp_managed.json` with the current
 * `exclusionSettings` form. mergePolicy is `merge` so local and portal
 * exclusions still apply next to the fleet set.
 */
export class MdatpManagedJsonExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const exclusions: MdatpExclusionEntry[] = [];
    const skipped: SkippedExclusion[] = [];
    for (const item of items) {
      const e = toMdatpEntry(item, options.useGlobalScope ?? false);
      if ('skip' in e) skipped.push({ item, reason: e.skip });
      else exclusions.push(e);
    }
    // JSON.stringify escapes quotes, control characters and U+2028/2029, so any value stays one string.
    const doc = { ...(options.unreviewed ? { [UNREVIEWED_JSON_KEY]: UNREVIEWED_MARK } : {}), exclusionSettings: { exclusions, mergePolicy: 'merge' } };
    const content = JSON.stringify(doc, null, 2) + '\n';
    return { content, skipped };
  }
}
