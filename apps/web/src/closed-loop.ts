import type { ExclusionItemView } from '@fleettune/api-contract';
import { PushHistoryRow, pushSucceeded } from './api';
import { TrendMarker } from './TrendChart';

/** The moment a push took effect: when the receiver took it (or the pull was served). */
export function pushTime(p: PushHistoryRow): number {
  return Date.parse(p.finishedAt ?? p.createdAt) / 1000;
}

export function pushLabel(p: PushHistoryRow): string {
  return p.mode === 'pull' ? `pull v${p.set.version} by ${p.target.name}` : `push v${p.set.version} → ${p.target.name}`;
}

export interface Approval {
  value: string;
  at: number;
}

/** Approved items of a set (as GET /exclusion-sets/latest shows them), with when they were approved. */
export function approvalsOf(items: ReadonlyArray<Pick<ExclusionItemView, 'value' | 'decision'>>): Approval[] {
  const out: Approval[] = [];
  for (const { value, decision } of items) {
    const at = decision.status === 'approved' && decision.decidedAt ? Date.parse(decision.decidedAt) : NaN;
    if (Number.isFinite(at)) out.push({ value, at: at / 1000 });
  }
  return out;
}

/**
 * One marker per kind and bucket: ten approvals in the same hour are one
 * line "10 approvals" (all named in the tooltip), not ten overlapping lines.
 */
export function trendMarkers(pushes: PushHistoryRow[], approvals: Approval[], bucketSeconds: number): TrendMarker[] {
  const groups = new Map<string, { t: number; kind: TrendMarker['kind']; labels: string[] }>();
  const add = (kind: TrendMarker['kind'], t: number, label: string) => {
    const key = `${kind}:${Math.floor(t / bucketSeconds)}`;
    const g = groups.get(key);
    if (g) {
      g.labels.push(label);
      g.t = Math.max(g.t, t);
    } else groups.set(key, { t, kind, labels: [label] });
  };
  for (const p of pushes) if (pushSucceeded(p)) add('push', pushTime(p), pushLabel(p));
  for (const a of approvals) add('approval', a.at, `approved ${a.value}`);
  return [...groups.values()]
    .map((g) => ({
      t: g.t,
      kind: g.kind,
      label: g.labels.length === 1 ? g.labels[0] : `${g.labels.length} ${g.kind === 'push' ? 'pushes' : 'approvals'}`,
      title: g.labels.join('\n'),
    }))
    .sort((a, b) => a.t - b.t);
}

/** Mean events per second over [from, to) seconds; null when the span is empty. */
export function meanRate(events: number, from: number, to: number): number | null {
  return to > from ? events / (to - from) : null;
}

/** Relative change from `before` to `after`, in percent; null when there was nothing before. */
export function changePercent(before: number | null, after: number | null): number | null {
  if (before === null || after === null || before === 0) return null;
  return ((after - before) / before) * 100;
}
