import { BadRequestException } from '@nestjs/common';
import { ExportFormatId, exportPlatform } from '@fleettune/exporters';
import { itemPlatforms, Platform } from '@fleettune/rules';

/** The platform an export carries (`os=` or the format's own, see exportPlatform), or 400 for a bad `os`. */
export function platformOrBadRequest(
  format: ExportFormatId,
  os: string | undefined,
  items: ReadonlyArray<{ value: string; evidence?: unknown; platforms?: string[] }>,
): Platform | undefined {
  const setPlatforms = new Set(items.flatMap((i) => i.platforms ?? itemPlatforms(i)));
  try {
    return exportPlatform(format, typeof os === 'string' ? os : undefined, setPlatforms);
  } catch (err) {
    throw new BadRequestException((err as Error).message);
  }
}
