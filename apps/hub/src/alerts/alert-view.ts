import type { Alert } from '../generated/prisma/client';
import type { AlertView as ContractAlertView } from '@fleettune/api-contract';
import type { SuggestedExclusion } from './alert-detector';

export { ALERT_STATUSES } from '@fleettune/api-contract';
export type { AlertStatus } from '@fleettune/api-contract';

/** An alert as the hub builds it (Date timestamps); the contract lib is the one definition the dashboard shares. */
export type AlertView = ContractAlertView<Date>;

export function dashboardLink(publicUrl: string, id: string): string {
  return `${publicUrl}/#/alerts/${id}`;
}

export function toAlertView(a: Alert, publicUrl: string): AlertView {
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    status: a.status,
    hosts: a.hostsCount,
    hostsReporting: a.hostsReporting,
    sampleHosts: (a.sampleHostnames as string[]) ?? [],
    ratePerSecond: a.ratePerSecond,
    peakWindowCount: Number(a.peakWindowCount),
    baselinePeakWindowCount: Number(a.baselinePeakCount),
    threshold: a.threshold,
    reason: a.reason,
    suggestedExclusion: a.suggestedExclusion as unknown as SuggestedExclusion,
    firstSeenAt: a.firstSeenAt,
    lastSeenAt: a.lastSeenAt,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: a.resolvedAt,
    resolvedBy: a.resolvedBy,
    mutedAt: a.mutedAt,
    mutedBy: a.mutedBy,
    note: a.note,
    links: { dashboard: dashboardLink(publicUrl, a.id) },
  };
}
