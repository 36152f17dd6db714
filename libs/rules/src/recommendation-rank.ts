import type { ExclusionItem } from './exclusion-item';

/** Volume: how the engine has always ordered its recommendations (prevalence x events). */
export function volumeScore(it: ExclusionItem): number {
  return it.evidence.prevalence * it.evidence.totalCount;
}

function byVolume(a: ExclusionItem, b: ExclusionItem): number {
  return volumeScore(b) - volumeScore(a) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

/**
 * Which recommendations make the cut of `maxItems`, and in what order.
 *
 * The cut ranks by host breadth first, volume second: one host can report
 * any count it likes (1e9 per path), so by volume alone 500 junk paths from
 * one host pushed a legitimate item seen on 3 of 4 hosts out of the set
 * (issue 13 item 7), and with it out of what pull targets serve. How many
 * hosts agree is what one host cannot inflate. The items kept are listed in
 * volume order as before, so a set under the cap is unchanged.
 */
export function selectTopRecommendations(items: readonly ExclusionItem[], maxItems: number): { kept: ExclusionItem[]; dropped: ExclusionItem[] } {
  const ordered = [...items].sort(byVolume);
  if (ordered.length <= maxItems) return { kept: ordered, dropped: [] };
  const byBreadth = [...items].sort((a, b) => b.evidence.hosts - a.evidence.hosts || byVolume(a, b));
  const keep = new Set(byBreadth.slice(0, maxItems));
  return { kept: ordered.filter((it) => keep.has(it)), dropped: byBreadth.slice(maxItems) };
}
