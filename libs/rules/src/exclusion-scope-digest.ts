import { createHash } from 'node:crypto';
import { RiskLevel } from './exclusion-item';

/**
 * Everything about an item that decides what an exclusion silences. An
 * approval is a signature over exactly this: a later version of the "same"
 * item (same type, value, user) that silences more is a different exclusion
 * and needs a new review.
 */
export interface ExclusionScope {
  type: string;
  value: string;
  user: string;
  applyToChildren: boolean;
  isDirectory: boolean;
  /** MDE global scope also mutes EDR events for the path: wider than the default (AV) scope. */
  globalScopeEligible: boolean;
  riskLevel: RiskLevel;
  /** Sorted risk flags: a new flag (e.g. `interpreter` when /bin/bash became a child) is a new reason to worry. */
  riskFlags: string[];
  /** OS the item is limited to, when items are per platform; absent = every platform (the widest). */
  platform?: string;
}

/** What a stored item row or an engine item looks like to the scope functions. */
export interface ScopedExclusion {
  type: string;
  value: string;
  user?: string | null;
  applyToChildren: boolean;
  isDirectory: boolean;
  globalScopeEligible?: boolean | null;
  /** `{ level, flags }`; anything else (a stored row gone wrong) reads as high risk without flags. */
  risk?: unknown;
  platform?: string | null;
  /** Stored evidence: an item the engine recommended for one platform names it in `evidence.platforms`. */
  evidence?: unknown;
}

/** The one platform an item is limited to: its `platform`, else its evidence's single platform; undefined for every platform. */
function limitedPlatform(item: ScopedExclusion): string | undefined {
  if (item.platform) return item.platform;
  const named = (item.evidence as { platforms?: unknown } | null | undefined)?.platforms;
  return Array.isArray(named) && named.length === 1 && typeof named[0] === 'string' ? named[0] : undefined;
}

const RISK_RANK: Record<string, number> = { low: 0, medium: 1, high: 2 };

export function exclusionScopeOf(item: ScopedExclusion): ExclusionScope {
  const risk = (item.risk && typeof item.risk === 'object' ? item.risk : {}) as { level?: unknown; flags?: unknown };
  const level = risk.level;
  const flags = Array.isArray(risk.flags) ? risk.flags.filter((f): f is string => typeof f === 'string') : [];
  const scope: ExclusionScope = {
    type: item.type,
    value: item.value,
    user: item.user ?? '',
    applyToChildren: item.applyToChildren === true,
    isDirectory: item.isDirectory === true,
    globalScopeEligible: item.globalScopeEligible === true,
    // An unknown or missing level is treated as the highest: never narrower than anything approved.
    riskLevel: level === 'low' || level === 'medium' || level === 'high' ? level : 'high',
    riskFlags: [...new Set(flags)].sort(),
  };
  const platform = limitedPlatform(item);
  if (platform) scope.platform = platform;
  return scope;
}

/** Canonical JSON (fixed key order) of the scope: the exact bytes the digest signs. */
export function canonicalExclusionScope(scope: ExclusionScope): string {
  return JSON.stringify([
    'fleettune-scope-v1',
    scope.type,
    scope.value,
    scope.user,
    scope.applyToChildren,
    scope.isDirectory,
    scope.globalScopeEligible,
    scope.riskLevel,
    scope.riskFlags,
    scope.platform ?? null,
  ]);
}

/** sha256 (hex) of the canonical scope: stored with an approval, equal only for the exact scope reviewed. */
export function exclusionScopeDigest(item: ScopedExclusion | ExclusionScope): string {
  const scope = 'riskLevel' in item ? item : exclusionScopeOf(item);
  return createHash('sha256').update(canonicalExclusionScope(scope)).digest('hex');
}

export interface ScopeChange {
  field: 'applyToChildren' | 'isDirectory' | 'globalScopeEligible' | 'risk.level' | 'risk.flags' | 'platform' | 'identity';
  from: unknown;
  to: unknown;
  /** `widened`: silences more or was judged riskier than what was reviewed; `narrowed`: strictly less. */
  direction: 'widened' | 'narrowed';
}

export interface ScopeComparison {
  /**
   * `same`: the exact scope reviewed. `narrower`: at least one field narrower and none wider: the new
   * exclusion silences a subset of what was approved, so the approval still holds for it.
   * `widened`: any field wider, whatever else got narrower: a new review is needed.
   */
  relation: 'same' | 'narrower' | 'widened';
  changes: ScopeChange[];
}

/**
 * Compares the scope now recommended with the scope a reviewer approved.
 * Which way each field widens:
 * - applyToChildren, isDirectory, globalScopeEligible: false -> true widens (children, a whole tree,
 *   EDR muted as well as AV), true -> false narrows;
 * - risk level: raised widens (the engine now judges it riskier), lowered narrows;
 * - risk flags: any flag not in the approved set widens (e.g. `interpreter`), a flag gone narrows;
 * - platform: a limited item becoming every-platform, or another platform, widens; every-platform
 *   becoming one platform narrows;
 * - type, value, user: those are the identity; a different one is never the approved exclusion (widened).
 */
export function compareExclusionScope(approved: ExclusionScope, current: ExclusionScope): ScopeComparison {
  const changes: ScopeChange[] = [];
  if (approved.type !== current.type || approved.value !== current.value || approved.user !== current.user) {
    changes.push({
      field: 'identity',
      from: `${approved.type} ${approved.value} ${approved.user}`,
      to: `${current.type} ${current.value} ${current.user}`,
      direction: 'widened',
    });
  }
  const flag = (field: 'applyToChildren' | 'isDirectory' | 'globalScopeEligible') => {
    if (approved[field] === current[field]) return;
    changes.push({ field, from: approved[field], to: current[field], direction: current[field] ? 'widened' : 'narrowed' });
  };
  flag('applyToChildren');
  flag('isDirectory');
  flag('globalScopeEligible');
  if (approved.riskLevel !== current.riskLevel) {
    changes.push({
      field: 'risk.level',
      from: approved.riskLevel,
      to: current.riskLevel,
      direction: RISK_RANK[current.riskLevel] > RISK_RANK[approved.riskLevel] ? 'widened' : 'narrowed',
    });
  }
  const added = current.riskFlags.filter((f) => !approved.riskFlags.includes(f));
  const removed = approved.riskFlags.filter((f) => !current.riskFlags.includes(f));
  if (added.length) changes.push({ field: 'risk.flags', from: approved.riskFlags, to: current.riskFlags, direction: 'widened' });
  else if (removed.length) changes.push({ field: 'risk.flags', from: approved.riskFlags, to: current.riskFlags, direction: 'narrowed' });
  if ((approved.platform ?? null) !== (current.platform ?? null)) {
    const narrowed = approved.platform === undefined && current.platform !== undefined;
    changes.push({ field: 'platform', from: approved.platform ?? 'all', to: current.platform ?? 'all', direction: narrowed ? 'narrowed' : 'widened' });
  }
  const relation = changes.length === 0 ? 'same' : changes.some((c) => c.direction === 'widened') ? 'widened' : 'narrower';
  return { relation, changes };
}

/** `applyToChildren false→true`: how a change reads in the diff and in the review view. */
export function describeScopeChange(c: ScopeChange): string {
  const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(',')}]` : String(v));
  return `${c.field} ${show(c.from)}→${show(c.to)}`;
}
