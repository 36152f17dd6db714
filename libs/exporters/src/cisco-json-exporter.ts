import { UNREVIEWED_JSON_KEY, UNREVIEWED_MARK } from './unreviewed-marking';
import { ExportableExclusion } from '@fleettune/rules';
import { toCiscoExclusion } from './cisco-exclusion-mapping';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';

/**
 * The same exclusions as the CSV sheet, as JSON for automation. Field names
 * follow the Secure Endpoint API v3 exclusion objects where they exist
 * (exclusionType, path, fileExtension, process.path,
 * applyToChildProcesses); write endpoints are unverified, so this is a
 * hand-off document rather than an API payload.
 */
export class CiscoJsonExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const skipped: SkippedExclusion[] = [];
    const exclusions: object[] = [];
    for (const item of items) {
      const c = toCiscoExclusion(item);
      if ('skip' in c) {
        skipped.push({ item, reason: c.skip });
        continue;
      }
      const reason = item.reason;
      if (c.type === 'Process') {
        exclusions.push({ exclusionType: c.type, process: { path: c.processPath, user: c.user, applyToChildProcesses: c.applyToChildProcesses }, reason });
      } else if (c.type === 'File Extension') {
        exclusions.push({ exclusionType: c.type, fileExtension: c.fileExtension, reason });
      } else {
        exclusions.push({ exclusionType: c.type, path: c.path, reason });
      }
    }
    const doc = options.unreviewed ? { [UNREVIEWED_JSON_KEY]: UNREVIEWED_MARK, exclusions } : { exclusions };
    return { content: JSON.stringify(doc, null, 2) + '\n', skipped };
  }
}
