import { ExportableExclusion } from '@fleettune/rules';
import { CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY, CISCO_PROCESS_EXCLUSION_MIN_CONNECTOR, toCiscoExclusions } from './cisco-exclusion-mapping';
import { ExclusionExporter, ExportOptions, ExportResult } from './exclusion-exporter';
import { UNREVIEWED_JSON_KEY, UNREVIEWED_MARK } from './unreviewed-marking';

/**
 * The exclusions in the Secure Endpoint API v3 shape (`data[]` of
 * `GET /v3/organizations/{org}/exclusion_sets/{guid}/exclusions`, see
 * cisco-exclusion-mapping.ts), so a connector that writes them (or an admin)
 * uses Cisco's own field names. API v3 write endpoints are not documented
 * publicly: this is a hand-off document. What the API shape has no field for
 * (the process user, the reason, version notes) is under `fleettune`, apart
 * from the API fields.
 */
export class CiscoJsonExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const { mapped, skipped, partial } = toCiscoExclusions(items);
    const data = mapped.map(({ item, exclusion }) => ({
      ...exclusion.api,
      fleettune: {
        reason: item.reason,
        ...(exclusion.api.exclusionType === 'Process' ? { user: exclusion.user } : {}),
        ...(exclusion.notes.length ? { notes: exclusion.notes } : {}),
      },
    }));
    const processExclusions = mapped.filter((m) => m.exclusion.api.exclusionType === 'Process').length;
    const doc = {
      ...(options.unreviewed ? { [UNREVIEWED_JSON_KEY]: UNREVIEWED_MARK } : {}),
      meta: {
        size: data.length,
        processExclusions,
        processExclusionLimitPerPolicy: CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY,
        processExclusionsNeedConnector: CISCO_PROCESS_EXCLUSION_MIN_CONNECTOR,
        notExported: skipped.map((s) => ({ value: s.item.value, reason: s.reason })),
      },
      data,
    };
    return { content: JSON.stringify(doc, null, 2) + '\n', skipped, partial };
  }
}
