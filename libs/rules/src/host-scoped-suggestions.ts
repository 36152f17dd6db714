import { ExclusionItem, RecommendationResult, RiskFlag } from './exclusion-item';
import { exclusionIdentityKey } from './exclusion-set-diff';
import { FleetActivityColumns, FleetActivityRow, isFleetActivityColumns, toFleetActivityColumns } from './fleet-activity-row';
import { RecommendOptions, recommendExclusions } from './recommend-exclusions';
import { resolveRecommendationConfig } from './recommendation-config';

/**
 * Noise seen on fewer independent hosts than the fleet bar: never a fleet
 * item, but worth showing as a suggestion for those hosts only (a reviewer can
 * exclude it on them by other means). It is never exported or pushed, and its
 * risk is never "low": below the bar nothing vouches for it but its own hosts,
 * and one of them may be the attacker.
 */
export interface HostScopedSuggestion extends ExclusionItem {
  scope: 'host';
  /** The hosts the suggestion is for (up to 5, as evidence.sampleHostIds). */
  hostIds: string[];
  /** Why it is not a fleet item. */
  whyNotFleet: string;
}

export interface RecommendationWithSuggestions extends RecommendationResult {
  suggestions: HostScopedSuggestion[];
}

/** Fewest-host flag: the item is below the fleet bar. */
export const FEW_HOSTS_FLAG: RiskFlag = 'few-hosts';
export const MAX_HOST_SUGGESTIONS = 200;

/**
 * The fleet set as recommendExclusions computes it, plus host-scoped
 * suggestions: what the same engine and safety policy recommend with a bar of
 * one host, minus what is already a fleet item. The second pass reuses the
 * columns (no second decode); it is the engine's cost again, in the worker.
 */
export function recommendWithHostSuggestions(
  input: readonly FleetActivityRow[] | FleetActivityColumns,
  options: RecommendOptions,
): RecommendationWithSuggestions {
  const cols = isFleetActivityColumns(input) ? input : toFleetActivityColumns(input);
  const cfg = resolveRecommendationConfig(options.config);
  const fleet = recommendExclusions(cols, options);
  if (cfg.minHosts <= 1 && cfg.minPrevalence <= 0) return { ...fleet, suggestions: [] };
  const fleetKeys = new Set(fleet.items.map(exclusionIdentityKey));
  const local = recommendExclusions(cols, { ...options, config: { ...options.config, minHosts: 1, minPrevalence: 0 } });
  const suggestions: HostScopedSuggestion[] = [];
  for (const it of local.items) {
    if (fleetKeys.has(exclusionIdentityKey(it))) continue;
    if (suggestions.length >= MAX_HOST_SUGGESTIONS) break;
    const independent = it.evidence.independentHosts ?? it.evidence.hosts;
    const whyNotFleet =
      independent < cfg.minHosts
        ? `seen on ${independent} independent host${independent === 1 ? '' : 's'}${it.evidence.independentHosts !== undefined ? ` (${it.evidence.hosts} hosts enrolled together or from one address)` : ''}; fleet items need ${cfg.minHosts}`
        : `on ${Math.round(it.evidence.prevalence * 1000) / 10}% of reporting hosts; fleet items need ${Math.round(cfg.minPrevalence * 1000) / 10}%`;
    const flags: RiskFlag[] = [...it.risk.flags.filter((f) => f !== 'global-scope' && f !== FEW_HOSTS_FLAG), FEW_HOSTS_FLAG];
    suggestions.push({
      ...it,
      // A host-scoped suggestion never carries MDE global scope: that would mute EDR fleet-wide.
      globalScopeEligible: false,
      risk: { level: it.risk.level === 'low' ? 'medium' : it.risk.level, flags },
      scope: 'host',
      hostIds: [...it.evidence.sampleHostIds],
      whyNotFleet,
    });
  }
  return { ...fleet, suggestions };
}
