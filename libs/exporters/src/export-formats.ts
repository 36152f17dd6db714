import { AUDITD_RULES_FILE_NAME, AuditdRulesExporter } from './auditd-rules-exporter';
import { CiscoCsvExporter } from './cisco-csv-exporter';
import { CiscoJsonExporter } from './cisco-json-exporter';
import { ExclusionExporter } from './exclusion-exporter';
import { MdatpCliExporter } from './mdatp-cli-exporter';
import { MdatpManagedJsonExporter } from './mdatp-managed-json-exporter';
import { MdatpPlistExporter } from './mdatp-plist-exporter';

export type ExportFormatId = 'mdatp-json' | 'mdatp-cli' | 'mdatp-plist' | 'cisco-csv' | 'cisco-json' | 'auditd-rules';

export interface ExportFormat {
  exporter: ExclusionExporter;
  contentType: string;
  fileName: string;
}

/** Every export the hub offers, by the id used in its API. */
export const EXPORT_FORMATS: Readonly<Record<ExportFormatId, ExportFormat>> = Object.freeze({
  'mdatp-json': { exporter: new MdatpManagedJsonExporter(), contentType: 'application/json', fileName: 'mdatp_managed.json' },
  'mdatp-cli': { exporter: new MdatpCliExporter(), contentType: 'text/x-shellscript; charset=utf-8', fileName: 'mdatp-exclusions.sh' },
  'mdatp-plist': { exporter: new MdatpPlistExporter(), contentType: 'application/x-plist', fileName: 'com.microsoft.wdav.plist' },
  'cisco-csv': { exporter: new CiscoCsvExporter(), contentType: 'text/csv; charset=utf-8', fileName: 'cisco-secure-endpoint-exclusions.csv' },
  'cisco-json': { exporter: new CiscoJsonExporter(), contentType: 'application/json', fileName: 'cisco-secure-endpoint-exclusions.json' },
  'auditd-rules': { exporter: new AuditdRulesExporter(), contentType: 'text/plain; charset=utf-8', fileName: AUDITD_RULES_FILE_NAME },
});

export function isExportFormatId(id: string): id is ExportFormatId {
  return Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, id);
}
