import { UNREVIEWED_MARK } from './unreviewed-marking';
import { ExportableExclusion } from '@fleettune/rules';
import { ExclusionExporter, ExportOptions, ExportResult, SkippedExclusion } from './exclusion-exporter';
import { MDE_CHILD_SCOPE_REASON, toMdatpEntry } from './mdatp-exclusion-mapping';
import { shellQuote } from './shell-quote';
import { lineUnsafeReason } from './value-checks';

/**
 * A shell script of `mdatp exclusion ... add` lines, one per exclusion and
 * scope. Every value is single-quoted; values with control characters are
 * skipped because a newline would start a second command.
 */
export class MdatpCliExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const lines = [
      '#!/bin/sh',
      '# fleettune recommended Microsoft Defender for Endpoint exclusions',
      ...(options.unreviewed ? [`# ${UNREVIEWED_MARK}`] : []),
      'set -e',
    ];
    const skipped: SkippedExclusion[] = [];
    for (const item of items) {
      const unsafe = lineUnsafeReason(item.value);
      if (unsafe) {
        skipped.push({ item, reason: unsafe });
        continue;
      }
      const e = toMdatpEntry(item, options.useGlobalScope ?? false);
      if ('skip' in e) {
        skipped.push({ item, reason: e.skip });
        // Said in the script too: whoever runs it sees what it leaves out. (The value is one line: checked above.)
        if (e.skip === MDE_CHILD_SCOPE_REASON) lines.push(`# not exported: ${item.value}: ${e.skip}`);
        continue;
      }
      if (e.$type === 'excludedFileExtension') {
        // Extension exclusions are epp-only and take --name, per the mdatp CLI reference.
        lines.push(`mdatp exclusion extension add --name ${shellQuote(e.extension)}`);
        continue;
      }
      const verb = e.$type === 'excludedFileName' ? 'process' : e.isDirectory ? 'folder' : 'file';
      const value = e.$type === 'excludedFileName' ? e.name : e.path;
      for (const scope of e.scopes) lines.push(`mdatp exclusion ${verb} add --path ${shellQuote(value)} --scope ${scope}`);
    }
    return { content: lines.join('\n') + '\n', skipped };
  }
}
