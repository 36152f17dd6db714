import { z } from 'zod';
import {
  ConsoleItem,
  MdeConsoleEntry,
  OWNERSHIP_PREFIX,
  OwnedConsoleItem,
  consoleItemKey,
  describeMdeEntry,
  mdeConsoleEntries,
  mdeEntryKey,
} from '@fleettune/exporters';
import type { PushedItem } from '../policy-payload';
import type { DesiredConsoleItems, OwnedRead } from './policy-console-connector';

/** The name an admin gives the policy (Intune) or profile (Jamf) the hub keeps in a Defender console. */
export const mdeObjectNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters')
  .default('Defender exclusions');

/** The console object's full name: OWNERSHIP_PREFIX marks it as the hub's (a person's objects are never touched). */
export function ownedMdeObjectName(name: string): string {
  return `${OWNERSHIP_PREFIX} ${name}`;
}

/**
 * The approved items a Defender console (Intune policy, Jamf profile) of one
 * platform carries, as MDE exclusion entries (libs/exporters mdeConsoleEntries:
 * the MDE mapping of every export, a child-scoped process refused, E1).
 * Another platform's items are skipped with why (docs/rules.md PL2); two
 * items that make one Defender entry are carried once, the second skipped
 * naming the first.
 */
export function mdeDesiredItems(items: readonly PushedItem[], platform: 'linux' | 'darwin'): DesiredConsoleItems<MdeConsoleEntry> {
  const out: DesiredConsoleItems<MdeConsoleEntry> = { items: [], skipped: [] };
  const byEntry = new Map<string, string>();
  for (const item of items) {
    if (!item.platforms.includes(platform)) {
      out.skipped.push({
        value: item.value,
        reason: `a ${item.platforms.join('/') || 'unknown-platform'} item; this target holds ${platform} exclusions only`,
      });
      continue;
    }
    const { entries, skipped } = mdeConsoleEntries([item]);
    for (const s of skipped) out.skipped.push({ value: s.item.value, reason: s.reason });
    const entry = entries[0];
    if (!entry) continue;
    const first = byEntry.get(mdeEntryKey(entry));
    if (first !== undefined) {
      out.skipped.push({ value: item.value, reason: `the same Defender exclusion (${describeMdeEntry(entry)}) as ${first}` });
      continue;
    }
    byEntry.set(mdeEntryKey(entry), item.value);
    out.items.push({ key: consoleItemKey(item), body: entry } satisfies ConsoleItem<MdeConsoleEntry>);
  }
  return out;
}

/** The console id of an entry in one policy/profile: the object's id and what the entry excludes. */
export function mdeConsoleId(objectId: string | number, entry: MdeConsoleEntry): string {
  return `${objectId}:${mdeEntryKey(entry)}`;
}

/**
 * Which entries of a console object stay when a plan's removals are carried
 * out, by position (`ids`: each entry's console id, undefined for one the hub
 * cannot read, which always stays). An id listed n times in `remove` loses its
 * last n occurrences: planConsoleChanges keeps the first of an owned entry
 * held twice and removes the others.
 */
export function keepAfterRemoving(ids: ReadonlyArray<string | undefined>, remove: readonly { consoleId: string }[]): boolean[] {
  const drop = new Map<string, number>();
  for (const r of remove) drop.set(r.consoleId, (drop.get(r.consoleId) ?? 0) + 1);
  const total = new Map<string, number>();
  for (const id of ids) if (id !== undefined) total.set(id, (total.get(id) ?? 0) + 1);
  const quota = new Map([...total].map(([id, n]) => [id, n - Math.min(n, drop.get(id) ?? 0)]));
  return ids.map((id) => {
    if (id === undefined) return true;
    const left = quota.get(id) ?? 0;
    if (left <= 0) return false;
    quota.set(id, left - 1);
    return true;
  });
}

/** The hub's entries of one policy/profile (those its ledger lists) and the count of the rest (a person's, or unreadable). */
export function ownedOf(
  objectId: string | number,
  read: { entries: MdeConsoleEntry[]; unreadable: string[] },
  ledger: readonly OwnedConsoleItem<MdeConsoleEntry>[],
): OwnedRead<MdeConsoleEntry> {
  const keyOf = new Map(ledger.map((l) => [l.consoleId, l.key]));
  const owned: OwnedConsoleItem<MdeConsoleEntry>[] = [];
  let humanMade = read.unreadable.length;
  for (const e of read.entries) {
    const consoleId = mdeConsoleId(objectId, e);
    const key = keyOf.get(consoleId);
    if (key === undefined) humanMade++;
    else owned.push({ key, consoleId, body: e });
  }
  return { owned, humanMade };
}
