import { isPlatform, Platform } from '@fleettune/rules';
import type { ExportFormatId } from './export-formats';

/**
 * Formats that exist for one platform: an export of them carries only that
 * platform's items unless `os=` says otherwise (issue 19 item 5: a Linux
 * mdatp_managed.json carried /Users/* paths and launchd).
 *  - mdatp-json: Linux. `/etc/opt/microsoft/mdatp/managed/mdatp_managed.json`
 *    is Defender for Endpoint on Linux's managed configuration; macOS takes
 *    the same settings as the `com.microsoft.wdav` profile (mdatp-plist).
 *  - mdatp-plist: macOS (the `com.microsoft.wdav` preference domain).
 *  - auditd-rules: Linux (auditd exists nowhere else; os=darwin is refused).
 */
export const FORMAT_PLATFORM: Readonly<Partial<Record<ExportFormatId, Platform>>> = Object.freeze({
  'mdatp-json': 'linux',
  'mdatp-plist': 'darwin',
  'auditd-rules': 'linux',
});

/**
 * Formats written the same way for both platforms, whose target still holds
 * one platform's items: Cisco Secure Endpoint exclusion sets belong to one
 * operating system (API v3 `exclusion_sets[].operatingSystem`). From a set
 * of one platform they carry it all; from a mixed set, without `os=`, the
 * platform named here (the Mac connector's set: the Cisco guide this product
 * encodes is the Mac one; `os=linux` gives the Linux connector's).
 * mdatp-cli (the `mdatp exclusion` CLI, the same on both) carries every item
 * unless `os=` is given.
 */
export const MIXED_SET_PLATFORM: Readonly<Partial<Record<ExportFormatId, Platform>>> = Object.freeze({
  'cisco-csv': 'darwin',
  'cisco-json': 'darwin',
});

/**
 * The platform an export carries, or undefined for every item: `requested`
 * (`os=` of the request) when given, else the format's own, else (Cisco)
 * the mixed-set default when `setPlatforms` holds both. Throws a one-line
 * RangeError for an unknown os or a format the platform does not have.
 */
export function exportPlatform(format: ExportFormatId, requested: string | undefined, setPlatforms: ReadonlySet<string> = new Set()): Platform | undefined {
  const fixed = FORMAT_PLATFORM[format];
  if (requested !== undefined && requested !== '') {
    if (!isPlatform(requested)) throw new RangeError('os must be "linux" or "darwin"');
    if (format === 'auditd-rules' && requested !== 'linux') throw new RangeError('auditd-rules exists for linux only');
    return requested;
  }
  if (fixed) return fixed;
  const mixed = MIXED_SET_PLATFORM[format];
  return mixed && setPlatforms.size > 1 ? mixed : undefined;
}
