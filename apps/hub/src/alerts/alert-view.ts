import type { Alert } from '../generated/prisma/client';
import type { SuggestedExclusion } from './alert-detector';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'muted'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertView {
  id: string;
  kind: string;
  subject: string;
  status: string;
  /** Hosts over threshold for this subject. */
  hosts: number;
  hostsReporting: number;
  /** Up to 5 of their hostnames. */
  sampleHosts: string[];
  ratePerSecond: number;
  peakWindowCount: number;
  baselinePeakWindowCount: number;
  threshold: number;
  reason: string;
  suggestedExclusion: SuggestedExclusion;
  firstSeenAt: Date;
  lastSeenAt: Date;
  createdAt: Date;
  updatedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  mutedAt: Date | null;
  mutedBy: string | null;
  note: string | null;
  links: { dashboard: string };
}

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
