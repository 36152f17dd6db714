import { ExclusionItem, RejectedSubject } from './exclusion-item';
import { compareExclusionScope, describeScopeChange, exclusionScopeOf } from './exclusion-scope-digest';

/** The fields that make an item "the same exclusion" across versions; decisions are keyed by it too. */
export interface ExclusionIdentity {
  /** An ExclusionType; plain string so stored rows compare without a cast. */
  type: string;
  value: string;
  user: string;
}

export function exclusionIdentityKey(i: ExclusionIdentity): string {
  return `${i.type}\u0000${i.value}\u0000${i.user ?? ''}`;
}

export interface ExclusionDiffEntry {
  type: string;
  value: string;
  user: string;
  why: string;
}

export interface ExclusionChangedEntry extends ExclusionDiffEntry {
  changes: { field: string; from: unknown; to: unknown }[];
  /**
   * Present when this version silences more than the previous one (`applyToChildren false→true`,
   * `risk.level low→high`...): an approval of the previous scope does not cover it, it is pending again.
   */
  widened?: string[];
}

export interface ExclusionSetDiff {
  added: ExclusionDiffEntry[];
  removed: ExclusionDiffEntry[];
  changed: ExclusionChangedEntry[];
  unchanged: number;
}

type Comparable = ExclusionIdentity &
  Pick<ExclusionItem, 'applyToChildren' | 'isDirectory' | 'globalScopeEligible' | 'reason'> & {
    risk?: Partial<ExclusionItem['risk']> | null;
    evidence?: Partial<ExclusionItem['evidence']> | null;
  };

/**
 * What changed between two versions of the set, with why: added items carry
 * the engine's reason, removed ones the reason they were refused this time (or
 * that they fell below the thresholds), changed ones each field that moved.
 * Evidence counts change on every run, so only what a reviewer acts on is
 * compared: scope (children, directory, global), risk, and hosts affected.
 */
export function diffExclusionSets(previous: readonly Comparable[], next: readonly Comparable[], rejected: readonly RejectedSubject[] = []): ExclusionSetDiff {
  const prev = new Map(previous.map((i) => [exclusionIdentityKey(i), i]));
  const seen = new Set<string>();
  const diff: ExclusionSetDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  const whyRejected = new Map<string, string>();
  for (const r of rejected) if (!whyRejected.has(r.subject)) whyRejected.set(r.subject, r.why);
  for (const item of next) {
    const key = exclusionIdentityKey(item);
    seen.add(key);
    const before = prev.get(key);
    const id = { type: item.type, value: item.value, user: item.user ?? '' };
    if (!before) {
      diff.added.push({ ...id, why: `new recommendation: ${item.reason}` });
      continue;
    }
    const changes: ExclusionChangedEntry['changes'] = [];
    const cmp = (field: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to });
    };
    cmp('applyToChildren', before.applyToChildren, item.applyToChildren);
    cmp('isDirectory', before.isDirectory, item.isDirectory);
    cmp('globalScopeEligible', before.globalScopeEligible, item.globalScopeEligible);
    cmp('risk.level', before.risk?.level, item.risk?.level);
    cmp('risk.flags', [...(before.risk?.flags ?? [])].sort(), [...(item.risk?.flags ?? [])].sort());
    cmp('evidence.hosts', before.evidence?.hosts, item.evidence?.hosts);
    if (changes.length === 0) {
      diff.unchanged++;
      continue;
    }
    const why = changes.map((c) => `${c.field} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join('; ');
    const scope = compareExclusionScope(exclusionScopeOf(before), exclusionScopeOf(item));
    const widened = scope.changes.filter((c) => c.direction === 'widened').map(describeScopeChange);
    diff.changed.push(widened.length ? { ...id, why, changes, widened } : { ...id, why, changes });
  }
  for (const [key, item] of prev) {
    if (seen.has(key)) continue;
    const refused = whyRejected.get(item.value);
    diff.removed.push({
      type: item.type,
      value: item.value,
      user: item.user ?? '',
      why: refused ? `refused this time: ${refused}` : 'no longer over the thresholds in the data of this run',
    });
  }
  const order = (a: ExclusionDiffEntry, b: ExclusionDiffEntry) =>
    a.value < b.value ? -1 : a.value > b.value ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
  diff.added.sort(order);
  diff.removed.sort(order);
  diff.changed.sort(order);
  return diff;
}
