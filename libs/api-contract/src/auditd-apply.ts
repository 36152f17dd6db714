import type { Timestamp } from './timestamp';

export const AUDITD_APPLY_STATES = ['applied', 'partial', 'failed', 'immutable', 'unavailable'] as const;
/**
 * applied: every rule planned for the host is loaded; partial: some lines failed; failed: the load
 * failed and the previous rules were restored; immutable: audit is locked (`enabled 2`), nothing was
 * changed; unavailable: no auditctl on the host, or it cannot be run.
 */
export type AuditdApplyState = (typeof AUDITD_APPLY_STATES)[number];

export const AUDITD_APPLY_OUTCOMES = ['applied', 'skipped', 'failed'] as const;
export type AuditdApplyOutcome = (typeof AUDITD_APPLY_OUTCOMES)[number];

/** One approved auditd item on one host: loaded, skipped (e.g. its path is absent there) or refused. */
export interface AuditdApplyLineView {
  itemId: string;
  type: string;
  value: string;
  outcome: AuditdApplyOutcome;
  /** Why skipped or failed; '' when applied. */
  reason: string;
  /** The rule loaded or tried; '' when skipped. */
  rule: string;
}

/** What a host's agent last reported doing with the approved auditd exclusions (fleettune-agent apply-exclusions). */
export interface AuditdApplyReportView<T extends Timestamp = string> {
  state: AuditdApplyState;
  message: string;
  etag: string;
  setId: string | null;
  setVersion: number | null;
  reportedAt: T;
  applied: number;
  skipped: number;
  failed: number;
  lines: AuditdApplyLineView[];
}

/** GET /api/v1/hosts/{id}/auditd-exclusions. */
export interface HostAuditdExclusionsView<T extends Timestamp = string> {
  hostId: string;
  /** null until the host's agent first reports (it runs neither apply-exclusions nor run --apply-auditd-exclusions). */
  report: AuditdApplyReportView<T> | null;
  /** What the hub serves this host now: when the report's etag differs, the agent has not applied the current set yet. */
  current: { etag: string; setVersion: number | null; items: number; reportIsCurrent: boolean };
}
