import { MdeConsoleEntry } from './mde-console-entries';
import { isPlistDict, parsePlist, PlistDict, PlistValue, plistDocument } from './plist-values';
import { parseXml, xmlChild, XmlElement, XmlSyntaxError } from './small-xml';
import { xmlEscape } from './xml-escape';

/**
 * Defender for Endpoint on macOS exclusions as a Jamf Pro macOS configuration
 * profile.
 *  - The payload: a configuration profile whose one payload has PayloadType
 *    `com.microsoft.wdav` and carries `antivirusEngine.exclusions[]` of
 *    `{$type: excludedPath|excludedFileExtension|excludedFileName, path, isDirectory | extension | name}`
 *    and `exclusionsMergePolicy: merge` (local and other profiles' exclusions
 *    still apply), as in Microsoft's "Set preferences for Microsoft Defender for
 *    Endpoint on macOS" (https://learn.microsoft.com/defender-endpoint/mac-preferences,
 *    "Scan exclusions" and the full configuration profile example) and "Set up
 *    the Microsoft Defender for Endpoint on macOS policies in Jamf Pro"
 *    (https://learn.microsoft.com/defender-endpoint/mac-jamfpro-policies).
 *  - The object: Classic API `osxconfigurationprofiles`
 *    (https://developer.jamf.com/jamf-pro/reference/createosxconfigurationprofilebyid,
 *    .../updateosxconfigurationprofilebyid): `<os_x_configuration_profile><general>`
 *    with the profile XML, escaped, in `<payloads>`. Only `general` is sent: the
 *    scope (which computers) stays what the Jamf admin set.
 */
export const WDAV_PAYLOAD_TYPE = 'com.microsoft.wdav';

export interface WdavProfileIdentity {
  /** Profile display name (starts with the ownership prefix). */
  name: string;
  description: string;
  /** Stable per target, so an update replaces the installed profile instead of adding one. */
  profileUuid: string;
  payloadUuid: string;
  /** Reverse-DNS PayloadIdentifier of the profile. */
  identifier: string;
}

function entryDict(e: MdeConsoleEntry): PlistDict {
  if (e.$type === 'excludedPath') return { $type: e.$type, isDirectory: e.isDirectory, path: e.path };
  if (e.$type === 'excludedFileExtension') return { $type: e.$type, extension: e.extension };
  return { $type: e.$type, name: e.name };
}

/** The .mobileconfig (an unsigned plist) carrying `entries`. Deterministic for the same input. */
export function wdavMobileconfig(id: WdavProfileIdentity, entries: readonly MdeConsoleEntry[]): string {
  const profile: PlistDict = {
    PayloadContent: [
      {
        PayloadDisplayName: 'Microsoft Defender exclusions (fleettune)',
        PayloadIdentifier: `${id.identifier}.wdav`,
        PayloadType: WDAV_PAYLOAD_TYPE,
        PayloadUUID: id.payloadUuid,
        PayloadVersion: 1,
        antivirusEngine: { exclusions: entries.map(entryDict), exclusionsMergePolicy: 'merge' },
      },
    ],
    PayloadDescription: id.description,
    PayloadDisplayName: id.name,
    PayloadIdentifier: id.identifier,
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: id.profileUuid,
    PayloadVersion: 1,
  };
  return plistDocument(profile);
}

/** The Classic API body (POST .../osxconfigurationprofiles/id/0, PUT .../id/{id}). */
export function jamfProfileXml(id: WdavProfileIdentity, entries: readonly MdeConsoleEntry[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<os_x_configuration_profile>',
    '\t<general>',
    `\t\t<name>${xmlEscape(id.name)}</name>`,
    `\t\t<description>${xmlEscape(id.description)}</description>`,
    '\t\t<distribution_method>Install Automatically</distribution_method>',
    '\t\t<user_removable>false</user_removable>',
    '\t\t<level>System</level>',
    `\t\t<uuid>${xmlEscape(id.profileUuid)}</uuid>`,
    // A changed exclusion list must reach every Mac already holding the profile.
    '\t\t<redeploy_on_update>All</redeploy_on_update>',
    `\t\t<payloads>${xmlEscape(wdavMobileconfig(id, entries))}</payloads>`,
    '\t</general>',
    '</os_x_configuration_profile>',
    '',
  ].join('\n');
}

export interface JamfProfileRead {
  id?: number;
  name: string;
  description: string;
  /** The profile plist as the console holds it (unescaped from `<payloads>`). */
  payloads: string;
  /** Every com.microsoft.wdav exclusion in the profile's payloads. */
  entries: MdeConsoleEntry[];
  /** Payload entries that could not be read, each with why; never dropped silently. */
  unreadable: string[];
}

/**
 * Reads a Classic API `<os_x_configuration_profile>` (GET .../osxconfigurationprofiles/id/{id}).
 * Throws XmlSyntaxError when the document itself is not the profile XML; a
 * payload that is not a readable plist, or odd exclusion entries, land in `unreadable`.
 * Also reads the exclusions when Jamf holds them as an "Application & Custom
 * Settings" payload (`com.apple.ManagedClient.preferences` → `com.microsoft.wdav` → `Forced[].mcx_preference_settings`).
 */
export function readJamfProfile(xml: string): JamfProfileRead {
  const root = parseXml(xml);
  if (root.name !== 'os_x_configuration_profile') throw new XmlSyntaxError(`expected <os_x_configuration_profile>, got <${root.name}>`);
  const general = xmlChild(root, 'general');
  if (!general) throw new XmlSyntaxError('profile without <general>');
  const idText = xmlChild(general, 'id')?.text.trim();
  const out: JamfProfileRead = {
    id: idText && /^\d+$/.test(idText) ? Number(idText) : undefined,
    name: xmlChild(general, 'name')?.text ?? '',
    description: xmlChild(general, 'description')?.text ?? '',
    payloads: xmlChild(general, 'payloads')?.text ?? '',
    entries: [],
    unreadable: [],
  };
  const payloads = out.payloads;
  if (!payloads.trim()) return out;
  let plist: PlistValue;
  try {
    plist = parsePlist(payloads);
  } catch (err) {
    out.unreadable.push(`payloads are not a readable property list: ${(err as Error).message}`);
    return out;
  }
  for (const settings of wdavSettings(plist)) {
    const engine = settings.antivirusEngine;
    if (engine === undefined) continue;
    const exclusions = isPlistDict(engine) ? engine.exclusions : undefined;
    if (exclusions === undefined) continue;
    if (!Array.isArray(exclusions)) {
      out.unreadable.push('antivirusEngine.exclusions is not an array');
      continue;
    }
    exclusions.forEach((x, i) => {
      const e = readEntry(x);
      if (typeof e === 'string') out.unreadable.push(`exclusion ${i + 1}: ${e}`);
      else out.entries.push(e);
    });
  }
  return out;
}

/** The com.microsoft.wdav settings dicts of a profile, in either payload form. */
function wdavSettings(profile: PlistValue): PlistDict[] {
  if (!isPlistDict(profile) || !Array.isArray(profile.PayloadContent)) return [];
  const found: PlistDict[] = [];
  for (const p of profile.PayloadContent) {
    if (!isPlistDict(p)) continue;
    if (p.PayloadType === WDAV_PAYLOAD_TYPE) found.push(p);
    else if (p.PayloadType === 'com.apple.ManagedClient.preferences' && isPlistDict(p.PayloadContent)) {
      const domain = p.PayloadContent[WDAV_PAYLOAD_TYPE];
      const forced = isPlistDict(domain) ? domain.Forced : undefined;
      for (const f of Array.isArray(forced) ? forced : []) {
        const s = isPlistDict(f) ? f.mcx_preference_settings : undefined;
        if (isPlistDict(s)) found.push(s);
      }
    }
  }
  return found;
}

function readEntry(x: PlistValue): MdeConsoleEntry | string {
  if (!isPlistDict(x)) return 'not a dict';
  const str = (k: string) => (typeof x[k] === 'string' && x[k] !== '' ? (x[k] as string) : undefined);
  switch (x.$type) {
    case 'excludedPath': {
      const path = str('path');
      return path ? { $type: 'excludedPath', path, isDirectory: x.isDirectory === true } : 'excludedPath without a path';
    }
    case 'excludedFileExtension': {
      const extension = str('extension');
      return extension ? { $type: 'excludedFileExtension', extension } : 'excludedFileExtension without an extension';
    }
    case 'excludedFileName': {
      const name = str('name');
      return name ? { $type: 'excludedFileName', name } : 'excludedFileName without a name';
    }
    default:
      return `unknown $type ${JSON.stringify(String(x.$type)).slice(0, 120)}`;
  }
}

/** One row of GET .../osxconfigurationprofiles (`<os_x_configuration_profiles><os_x_configuration_profile><id/><name/>`). */
export function readJamfProfileList(xml: string): Array<{ id: number; name: string }> {
  const root = parseXml(xml);
  if (root.name !== 'os_x_configuration_profiles') throw new XmlSyntaxError(`expected <os_x_configuration_profiles>, got <${root.name}>`);
  return root.children
    .filter((c: XmlElement) => c.name === 'os_x_configuration_profile')
    .flatMap((c) => {
      const id = xmlChild(c, 'id')?.text.trim() ?? '';
      return /^\d+$/.test(id) ? [{ id: Number(id), name: xmlChild(c, 'name')?.text ?? '' }] : [];
    });
}

/** The id in a Classic API create/update answer (`<os_x_configuration_profile><id>N</id></os_x_configuration_profile>`). */
export function readJamfProfileId(xml: string): number | undefined {
  const root = parseXml(xml);
  const id = xmlChild(root, 'id')?.text.trim() ?? '';
  return /^\d+$/.test(id) ? Number(id) : undefined;
}

/** The Classic API body of an update that changes the profile's name, description and payloads only (scope untouched). */
export function jamfProfileUpdateXml(name: string, description: string, payloads: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<os_x_configuration_profile>',
    '\t<general>',
    `\t\t<name>${xmlEscape(name)}</name>`,
    `\t\t<description>${xmlEscape(description)}</description>`,
    '\t\t<redeploy_on_update>All</redeploy_on_update>',
    `\t\t<payloads>${xmlEscape(payloads)}</payloads>`,
    '\t</general>',
    '</os_x_configuration_profile>',
    '',
  ].join('\n');
}

/**
 * A profile's payloads with its com.microsoft.wdav exclusions edited in place:
 * each existing exclusion (in document order, `undefined` when unreadable) is
 * kept when `keep(entry, index)` says so, then `add` is appended to the first
 * com.microsoft.wdav payload (one is added, with `newPayloadUuid`, when the
 * profile has none). Every other key and payload stays as it was read.
 * Throws XmlSyntaxError when the payloads are not a property list.
 */
export function rewriteWdavExclusions(
  payloads: string,
  keep: (entry: MdeConsoleEntry | undefined, index: number) => boolean,
  add: readonly MdeConsoleEntry[],
  newPayload: { uuid: string; identifier: string },
): string {
  const profile = parsePlist(payloads);
  if (!isPlistDict(profile)) throw new XmlSyntaxError('the profile is not a dict');
  let index = 0;
  const settings = wdavSettings(profile);
  for (const s of settings) {
    const engine = s.antivirusEngine;
    if (!isPlistDict(engine) || !Array.isArray(engine.exclusions)) continue;
    engine.exclusions = engine.exclusions.filter((x) => {
      const e = readEntry(x);
      return keep(typeof e === 'string' ? undefined : e, index++);
    });
  }
  if (add.length) {
    let target = settings[0];
    if (!target) {
      target = { PayloadIdentifier: newPayload.identifier, PayloadType: WDAV_PAYLOAD_TYPE, PayloadUUID: newPayload.uuid, PayloadVersion: 1 };
      if (!Array.isArray(profile.PayloadContent)) profile.PayloadContent = [];
      (profile.PayloadContent as PlistValue[]).push(target);
    }
    if (!isPlistDict(target.antivirusEngine)) target.antivirusEngine = { exclusionsMergePolicy: 'merge' };
    const engine = target.antivirusEngine as PlistDict;
    if (!Array.isArray(engine.exclusions)) engine.exclusions = [];
    (engine.exclusions as PlistValue[]).push(...add.map(entryDict));
  }
  return plistDocument(profile);
}

/** The com.microsoft.wdav exclusions of a payloads text in document order (undefined for an unreadable one), as rewriteWdavExclusions counts them. */
export function wdavExclusionsInOrder(payloads: string): Array<MdeConsoleEntry | undefined> {
  const profile = parsePlist(payloads);
  const out: Array<MdeConsoleEntry | undefined> = [];
  for (const s of wdavSettings(profile)) {
    const engine = s.antivirusEngine;
    if (!isPlistDict(engine) || !Array.isArray(engine.exclusions)) continue;
    for (const x of engine.exclusions) {
      const e = readEntry(x);
      out.push(typeof e === 'string' ? undefined : e);
    }
  }
  return out;
}
