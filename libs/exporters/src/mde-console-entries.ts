import { ExportableExclusion } from '@fleettune/rules';
import { SkippedExclusion } from './exclusion-exporter';
import { MdatpExclusionEntry, toMdatpEntry } from './mdatp-exclusion-mapping';
import { hasXmlForbiddenChars, lineUnsafeReason } from './value-checks';

/**
 * One Defender antivirus exclusion as a management console holds it (Intune's
 * exclusion settings, the `com.microsoft.wdav` profile in Jamf): the same three
 * `$type`s as mdatp_managed.json, without scopes (neither console form has
 * them: an item there is an antivirus exclusion, scope `epp`).
 */
export type MdeConsoleEntry =
  | { $type: 'excludedPath'; path: string; isDirectory: boolean }
  | { $type: 'excludedFileExtension'; extension: string }
  | { $type: 'excludedFileName'; name: string };

/**
 * The entries a set of approved items makes in a Defender console, through the
 * same mapping as every MDE export (toMdatpEntry: a child-scoped process item is
 * refused with MDE_CHILD_SCOPE_REASON, docs/rules.md E1), without global scope.
 * Values a console payload cannot carry (control or XML-forbidden characters)
 * are skipped with why; duplicates (two items making one entry) are written once.
 */
export function mdeConsoleEntries(items: readonly ExportableExclusion[]): { entries: MdeConsoleEntry[]; skipped: SkippedExclusion[] } {
  const { entries, skipped } = toMdeConsoleEntries(items);
  const seen = new Set<string>();
  const unique = entries.filter((e) => {
    const key = mdeEntryKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { entries: unique, skipped };
}

/**
 * The same entries one for one, repeats kept: the legacy `com.microsoft.wdav`
 * plist (MdatpPlistExporter) writes an entry per item.
 */
export function toMdeConsoleEntries(items: readonly ExportableExclusion[]): { entries: MdeConsoleEntry[]; skipped: SkippedExclusion[] } {
  const entries: MdeConsoleEntry[] = [];
  const skipped: SkippedExclusion[] = [];
  for (const item of items) {
    const unsafe = lineUnsafeReason(item.value) ?? (hasXmlForbiddenChars(item.value) ? 'value holds characters XML cannot represent' : undefined);
    const e = unsafe ? { skip: unsafe } : toMdatpEntry(item, false);
    if ('skip' in e) skipped.push({ item, reason: e.skip });
    else entries.push(withoutScopes(e));
  }
  return { entries, skipped };
}

function withoutScopes(e: MdatpExclusionEntry): MdeConsoleEntry {
  if (e.$type === 'excludedPath') return { $type: 'excludedPath', path: e.path, isDirectory: e.isDirectory };
  if (e.$type === 'excludedFileExtension') return { $type: 'excludedFileExtension', extension: e.extension };
  return { $type: 'excludedFileName', name: e.name };
}

/** A stable identity of an entry: what Defender matches on (a directory and a file of the same path differ). */
export function mdeEntryKey(e: MdeConsoleEntry): string {
  if (e.$type === 'excludedPath') return `path:${e.isDirectory ? 'dir' : 'file'}:${e.path}`;
  if (e.$type === 'excludedFileExtension') return `ext:${e.extension}`;
  return `process:${e.name}`;
}

/** How an entry reads in a plan or drift report. */
export function describeMdeEntry(e: MdeConsoleEntry): string {
  if (e.$type === 'excludedPath') return `${e.isDirectory ? 'directory' : 'file'} ${e.path}`;
  if (e.$type === 'excludedFileExtension') return `extension ${e.extension}`;
  return `process ${e.name}`;
}

export interface MdeConsolePlan {
  /** Entries the console gets that it does not hold. */
  add: MdeConsoleEntry[];
  /** Entries fleettune wrote before and the approved set no longer has. */
  remove: MdeConsoleEntry[];
  /** What the managed object holds after the push: the approved entries, then those a person added by hand (kept). */
  result: MdeConsoleEntry[];
  /** Entries in fleettune's object that fleettune never wrote (a hand edit): kept, never deleted, reported as drift. */
  foreign: MdeConsoleEntry[];
  /** Entries fleettune wrote that are no longer in the console (a hand edit): written again, reported as drift. */
  missing: MdeConsoleEntry[];
  changed: boolean;
}

/**
 * What a push changes in the one policy/profile fleettune manages (pure: the
 * connector reads the console, calls this, then writes `result`).
 *  - `desired`: the approved set's entries (mdeConsoleEntries).
 *  - `observed`: what the console holds now, or undefined when the object does not exist yet.
 *  - `owned`: the entries fleettune wrote last time (its own record), or
 *    undefined when it has none: then everything observed in its object counts
 *    as fleettune's (the object's name marks it as created by fleettune).
 * Entries in the object that fleettune did not write are never removed: a
 * connector manages only what it created (issue 14 item 3).
 */
export function planMdeConsolePush(
  desired: readonly MdeConsoleEntry[],
  observed: readonly MdeConsoleEntry[] | undefined,
  owned: readonly MdeConsoleEntry[] | undefined,
): MdeConsolePlan {
  const observedList = observed ?? [];
  const observedKeys = new Set(observedList.map(mdeEntryKey));
  const desiredKeys = new Set(desired.map(mdeEntryKey));
  const ownedKeys = new Set((owned ?? observedList).map(mdeEntryKey));
  const foreign = observedList.filter((e) => !ownedKeys.has(mdeEntryKey(e)));
  const missing = observed === undefined || owned === undefined ? [] : owned.filter((e) => !observedKeys.has(mdeEntryKey(e)));
  const add = desired.filter((e) => !observedKeys.has(mdeEntryKey(e)));
  const remove = observedList.filter((e) => ownedKeys.has(mdeEntryKey(e)) && !desiredKeys.has(mdeEntryKey(e)));
  const result = [...desired, ...foreign.filter((e) => !desiredKeys.has(mdeEntryKey(e)))];
  return { add, remove, result, foreign, missing, changed: observed === undefined || add.length > 0 || remove.length > 0 };
}
