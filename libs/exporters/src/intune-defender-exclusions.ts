import { MdeConsoleEntry } from './mde-console-entries';

/**
 * Defender for Endpoint antivirus exclusions as an Intune configuration policy
 * (Microsoft Graph beta `deviceManagement/configurationPolicies`, the settings
 * catalog model: https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationpolicy?view=graph-rest-beta).
 *
 * The policy is the endpoint-security "Microsoft Defender Antivirus exclusions"
 * template of each platform; its one setting is a group collection whose items
 * are a `$type` choice (Path / File extension / Process name) with the value as
 * a child. Setting definition ids, option ids and template ids as Microsoft365DSC
 * reads and writes them for these policies (resources
 * IntuneAntivirusExclusionsPolicyLinux / IntuneAntivirusExclusionsPolicyMacOS,
 * https://microsoft.github.io/Microsoft365DSC/resources/intune/IntuneAntivirusExclusionsPolicyLinux/),
 * the Linux ids being the keys of mdatp_managed.json's `exclusionSettings.exclusions[]`
 * (https://learn.microsoft.com/defender-endpoint/linux-preferences) and the macOS
 * ones those of the `com.microsoft.wdav` preference domain (`antivirusEngine.exclusions[]`,
 * https://learn.microsoft.com/defender-endpoint/mac-preferences). Not checked
 * against a live tenant: the fake Graph server in apps/hub enforces this shape.
 */
export type IntunePlatform = 'linux' | 'darwin';

export interface IntuneExclusionTemplate {
  /** `platforms` of the policy (deviceManagementConfigurationPlatforms). */
  platforms: 'linux' | 'macOS';
  /** `technologies` (deviceManagementConfigurationTechnologies): Defender for Endpoint settings management is `microsoftSense`. */
  technologies: string;
  templateId: string;
  /** settingDefinitionId of the exclusions group collection; item ids derive from it. */
  collectionId: string;
}

export const INTUNE_EXCLUSION_TEMPLATES: Readonly<Record<IntunePlatform, IntuneExclusionTemplate>> = Object.freeze({
  linux: {
    platforms: 'linux',
    technologies: 'microsoftSense',
    templateId: '8a17a1e5-3df4-4e07-9d20-3878267a79b8_1',
    collectionId: 'linux_mdatp_managed_exclusionsettings_exclusions',
  },
  darwin: {
    platforms: 'macOS',
    technologies: 'mdm,microsoftSense',
    templateId: '43397174-2244-4006-b5ad-421b369e90d4_1',
    collectionId: 'com.apple.managedclient.preferences_exclusions',
  },
});

const ODATA = {
  setting: '#microsoft.graph.deviceManagementConfigurationSetting',
  group: '#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance',
  choice: '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
  simple: '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
  string: '#microsoft.graph.deviceManagementConfigurationStringSettingValue',
} as const;

/** The ids under one platform's exclusions collection. */
export function intuneExclusionIds(platform: IntunePlatform) {
  const c = INTUNE_EXCLUSION_TEMPLATES[platform].collectionId;
  return {
    collection: c,
    type: `${c}_item_$type`,
    // The `$type` choice's options, in the order of Defender's `$type` values.
    typeOption: { excludedPath: `${c}_item_$type_0`, excludedFileExtension: `${c}_item_$type_1`, excludedFileName: `${c}_item_$type_2` },
    path: `${c}_item_path`,
    isDirectory: `${c}_item_isdirectory`,
    isDirectoryTrue: `${c}_item_isdirectory_true`,
    isDirectoryFalse: `${c}_item_isdirectory_false`,
    extension: `${c}_item_extension`,
    name: `${c}_item_name`,
  };
}

export type GraphSettingInstance = Record<string, unknown>;

function simple(settingDefinitionId: string, value: string): GraphSettingInstance {
  return { '@odata.type': ODATA.simple, settingDefinitionId, simpleSettingValue: { '@odata.type': ODATA.string, value } };
}

/** The exclusions setting instance (the group collection) holding `entries`. */
export function intuneExclusionSettingInstance(platform: IntunePlatform, entries: readonly MdeConsoleEntry[]): GraphSettingInstance {
  const ids = intuneExclusionIds(platform);
  return {
    '@odata.type': ODATA.group,
    settingDefinitionId: ids.collection,
    groupSettingCollectionValue: entries.map((e) => {
      let children: GraphSettingInstance[];
      if (e.$type === 'excludedPath')
        children = [
          simple(ids.path, e.path),
          {
            '@odata.type': ODATA.choice,
            settingDefinitionId: ids.isDirectory,
            choiceSettingValue: { value: e.isDirectory ? ids.isDirectoryTrue : ids.isDirectoryFalse, children: [] },
          },
        ];
      else if (e.$type === 'excludedFileExtension') children = [simple(ids.extension, e.extension)];
      else children = [simple(ids.name, e.name)];
      return {
        children: [{ '@odata.type': ODATA.choice, settingDefinitionId: ids.type, choiceSettingValue: { value: ids.typeOption[e.$type], children } }],
      };
    }),
  };
}

/** One `settings[]` element of a policy (POST .../configurationPolicies, POST .../settings). */
export function intuneExclusionSetting(platform: IntunePlatform, entries: readonly MdeConsoleEntry[]): Record<string, unknown> {
  return { '@odata.type': ODATA.setting, settingInstance: intuneExclusionSettingInstance(platform, entries) };
}

/**
 * The body that creates fleettune's policy (POST /beta/deviceManagement/configurationPolicies,
 * https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationpolicy-create?view=graph-rest-beta).
 * No setting when there is nothing to exclude: the collection takes at least one item.
 */
export function intunePolicyCreateBody(
  platform: IntunePlatform,
  name: string,
  description: string,
  entries: readonly MdeConsoleEntry[],
): Record<string, unknown> {
  const t = INTUNE_EXCLUSION_TEMPLATES[platform];
  return {
    name,
    description,
    platforms: t.platforms,
    technologies: t.technologies,
    roleScopeTagIds: ['0'],
    templateReference: { templateId: t.templateId },
    settings: entries.length ? [intuneExclusionSetting(platform, entries)] : [],
  };
}

export interface IntuneExclusionsRead {
  /** The policy's `settings[]` element id holding the exclusions, when there is one. */
  settingId?: string;
  entries: MdeConsoleEntry[];
  /** Items that could not be read (an unknown `$type`, a missing value): counted and named, never dropped silently. */
  unreadable: string[];
}

/**
 * The exclusions a policy holds, from its `settings` (GET .../configurationPolicies/{id}/settings:
 * `value[]` of `{id, settingInstance}`). Hostile or unexpected shapes are
 * listed in `unreadable`, never thrown.
 */
export function readIntuneExclusions(platform: IntunePlatform, settings: readonly unknown[]): IntuneExclusionsRead {
  const ids = intuneExclusionIds(platform);
  const out: IntuneExclusionsRead = { entries: [], unreadable: [] };
  for (const s of settings) {
    const inst = obj(obj(s)?.settingInstance);
    if (!inst || inst.settingDefinitionId !== ids.collection) continue;
    const id = obj(s)?.id;
    if (typeof id === 'string') out.settingId = id;
    const items = inst.groupSettingCollectionValue;
    if (!Array.isArray(items)) {
      out.unreadable.push('exclusions setting without groupSettingCollectionValue');
      continue;
    }
    items.forEach((item, i) => {
      const entry = readItem(ids, item);
      if (typeof entry === 'string') out.unreadable.push(`item ${i + 1}: ${entry}`);
      else out.entries.push(entry);
    });
  }
  return out;
}

function readItem(ids: ReturnType<typeof intuneExclusionIds>, item: unknown): MdeConsoleEntry | string {
  const children = obj(item)?.children;
  if (!Array.isArray(children)) return 'no children';
  const typeInst = children.map(obj).find((c) => c?.settingDefinitionId === ids.type);
  const choice = obj(typeInst?.choiceSettingValue);
  if (!choice) return 'no $type choice';
  const sub = Array.isArray(choice.children) ? choice.children.map(obj) : [];
  const str = (defId: string) => {
    const v = obj(sub.find((c) => c?.settingDefinitionId === defId)?.simpleSettingValue)?.value;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  switch (choice.value) {
    case ids.typeOption.excludedPath: {
      const path = str(ids.path);
      if (!path) return 'path exclusion without a path';
      const dir = obj(sub.find((c) => c?.settingDefinitionId === ids.isDirectory)?.choiceSettingValue)?.value;
      return { $type: 'excludedPath', path, isDirectory: dir === ids.isDirectoryTrue };
    }
    case ids.typeOption.excludedFileExtension: {
      const extension = str(ids.extension);
      return extension ? { $type: 'excludedFileExtension', extension } : 'extension exclusion without an extension';
    }
    case ids.typeOption.excludedFileName: {
      const name = str(ids.name);
      return name ? { $type: 'excludedFileName', name } : 'process exclusion without a name';
    }
    default:
      return `unknown $type option ${JSON.stringify(String(choice.value)).slice(0, 120)}`;
  }
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
