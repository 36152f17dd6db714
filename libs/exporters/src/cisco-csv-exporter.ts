import { ExportableExclusion } from '@fleettune/rules';
import { toCiscoExclusions } from './cisco-exclusion-mapping';
import { csvField } from './csv-field';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';
import { UNREVIEWED_REASON_PREFIX } from './unreviewed-marking';
import { lineUnsafeReason } from './value-checks';

/**
 * The column set of Cisco's exclusion export sample (CiscoSecurity/amp-04-export-exclusions,
 * https://github.com/CiscoSecurity/amp-04-export-exclusions/blob/main/amp-04-export-exclusions.py),
 * one column per API v3 field, in its order; booleans as it writes them
 * ("True", or empty for false/unset).
 */
export const CISCO_API_CSV_COLUMNS = [
  'ExclusionGUID',
  'Exclusion Type',
  'Path',
  'File Extension',
  'Any Drive',
  'FileScanEngine',
  'FileScanChild',
  'MAP',
  'BP',
  'SPP',
  'Process Path',
  'Process SHA',
];

/** What the API columns cannot carry, after them: the process user (set in the console) and the engine's reason with notes. */
export const CISCO_CSV_HEADER = [...CISCO_API_CSV_COLUMNS, 'Process User', 'Reason'];
const CISCO_HEADER_LINE = CISCO_CSV_HEADER.map(csvField).join(',');

/**
 * One exclusion per row in Cisco's export column set (no GUID: these are
 * new exclusions), then the process user and the reason. CRLF line ends per
 * RFC 4180; Cisco documents no CSV import, so the sheet is for review and
 * hand entry in Cisco's own terms.
 */
export class CiscoCsvExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const unsafe: SkippedExclusion[] = [];
    const safe: ExportableExclusion[] = [];
    for (const item of items) {
      const why = lineUnsafeReason(item.value) ?? lineUnsafeReason(item.user);
      if (why) unsafe.push({ item, reason: why });
      else safe.push(item);
    }
    const { mapped, skipped, partial } = toCiscoExclusions(safe);
    const rows = [CISCO_HEADER_LINE];
    for (const { item, exclusion } of mapped) {
      const a = exclusion.api;
      const fileScan = a.engineSettings?.fileScan;
      // The reason is free text from the engine; flatten it so each exclusion stays one physical line.
      // CSV has no comments: an unreviewed sheet says so in every row's Reason.
      const reason =
        (options.unreviewed ? UNREVIEWED_REASON_PREFIX : '') +
        [item.reason, ...exclusion.notes].join('; ').replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
      const fields = [
        '',
        a.exclusionType,
        a.path ?? '',
        a.fileExtension ?? '',
        '',
        fileScan?.applyToEngine ? 'True' : '',
        fileScan?.applyToChildProcesses ? 'True' : '',
        '',
        '',
        '',
        a.process?.path ?? '',
        a.process?.sha ?? '',
        a.exclusionType === 'Process' ? exclusion.user : '',
        reason,
      ];
      rows.push(fields.map(csvField).join(','));
    }
    return { content: rows.join('\r\n') + '\r\n', skipped: [...unsafe, ...skipped], partial };
  }
}
