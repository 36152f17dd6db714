import { UNREVIEWED_MARK } from './unreviewed-marking';
import { ExportableExclusion } from '@fleettune/rules';
import { ExclusionExporter, ExportOptions, ExportResult } from './exclusion-exporter';
import { toMdeConsoleEntries } from './mde-console-entries';
import { xmlEscape } from './xml-escape';

/**
 * macOS managed preferences for the `com.microsoft.wdav` domain, the legacy
 * `antivirusEngine.exclusions` form the macOS schema describes (no scopes:
 * that form is epp-only). Deploy as a configuration profile payload.
 */
export class MdatpPlistExporter implements ExclusionExporter {
  export(items: readonly ExportableExclusion[], options: ExportOptions = {}): ExportResult {
    const { entries, skipped } = toMdeConsoleEntries(items);
    const dicts = entries.map((e) => {
      const body: string[] = [key('$type'), str(e.$type)];
      if (e.$type === 'excludedPath') body.push(key('isDirectory'), e.isDirectory ? '<true/>' : '<false/>', key('path'), str(e.path));
      else if (e.$type === 'excludedFileExtension') body.push(key('extension'), str(e.extension));
      else body.push(key('name'), str(e.name));
      return ['\t\t\t<dict>', ...body.map((b) => `\t\t\t\t${b}`), '\t\t\t</dict>'].join('\n');
    });
    const content = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
      // The mark has no "--", so it is a well-formed XML comment.
      ...(options.unreviewed ? [`<!-- ${UNREVIEWED_MARK} -->`] : []),
      '<plist version="1.0">',
      '<dict>',
      `\t${key('antivirusEngine')}`,
      '\t<dict>',
      `\t\t${key('exclusions')}`,
      dicts.length ? ['\t\t<array>', ...dicts, '\t\t</array>'].join('\n') : '\t\t<array/>',
      `\t\t${key('exclusionsMergePolicy')}`,
      `\t\t${str('merge')}`,
      '\t</dict>',
      '</dict>',
      '</plist>',
      '',
    ].join('\n');
    return { content, skipped };
  }
}

function key(k: string): string {
  return `<key>${xmlEscape(k)}</key>`;
}

function str(v: string): string {
  return `<string>${xmlEscape(v)}</string>`;
}
