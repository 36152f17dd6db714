import { UNREVIEWED_REASON_PREFIX } from './unreviewed-marking';
import { ExportableExclusion } from '@fleettune/rules';
import { toCiscoExclusion } from './cisco-exclusion-mapping';
import { csvField } from './csv-field';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';
import { lineUnsafeReason } from './value-checks';

export const CISCO_CSV_HEADER = ['Type', 'Path', 'File Extension', 'Process Path', 'User', 'Apply To Child Processes', 'Reason'];

/**
 * A console-ready sheet, one exclusion per row, in the order the Secure
 * Endpoint console asks for the fields. Cisco has no documented import { UNREVIEWED_REASON_PREFIX } from './unreviewed-marking';
import
 * format (the API export CSV is read-only), so this is what an admin types in.
 * CRLF line ends per RFC 4180.
 */
export class CiscoCsvExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const skipped: SkippedExclusion[] = [];
    const rows = [CISCO_CSV_HEADER.map(csvField).join(',')];
    for (const item of items) {
      const unsafe = lineUnsafeReason(item.value) ?? lineUnsafeReason(item.user);
      if (unsafe) {
        skipped.push({ item, reason: unsafe });
        continue;
      }
      const c = toCiscoExclusion(item);
      if ('skip' in c) {
        skipped.push({ item, reason: c.skip });
        continue;
      }
      // The reason is free text from the engine; flatten it so each exclusion stays one physical line.
      const reason = (options.unreviewed ? UNREVIEWED_REASON_PREFIX : '') + item.reason.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
      const fields = [c.type, c.path, c.fileExtension, c.processPath, c.user, c.type === 'Process' ? (c.applyToChildProcesses ? 'Yes' : 'No') : '', reason];
      rows.push(fields.map(csvField).join(','));
    }
    return { content: rows.join('\r\n') + '\r\n', skipped };
  }
}
