import { z } from 'zod';
import { Timestamp, ViewOf, timestamp } from './timestamp';

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
export const auditdApplyLineViewSchema = z.object({
  itemId: z.string(),
  type: z.string(),
  value: z.string(),
  outcome: z.enum(AUDITD_APPLY_OUTCOMES),
  reason: z.string().describe("Why skipped or failed; '' when applied"),
  rule: z.string().describe("The rule loaded or tried; '' when skipped"),
});
export type AuditdApplyLineView = z.infer<typeof auditdApplyLineViewSchema>;

/** What a host's agent last reported doing with the approved auditd exclusions (fleettune-agent apply-exclusions). */
export const auditdApplyReportViewSchema = z.object({
  state: z.enum(AUDITD_APPLY_STATES),
  message: z.string(),
  etag: z.string(),
  setId: z.string().nullable(),
  setVersion: z.number().int().nullable(),
  reportedAt: timestamp,
  applied: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  lines: z.array(auditdApplyLineViewSchema),
});
export type AuditdApplyReportView<T extends Timestamp = string> = ViewOf<typeof auditdApplyReportViewSchema, T>;

/** GET /api/v1/hosts/{id}/auditd-exclusions. */
export const hostAuditdExclusionsViewSchema = z.object({
  hostId: z.string(),
  report: auditdApplyReportViewSchema
    .nullable()
    .describe("null until the host's agent first reports (it runs neither apply-exclusions nor run --apply-auditd-exclusions)"),
  current: z
    .object({ etag: z.string(), setVersion: z.number().int().nullable(), items: z.number().int(), reportIsCurrent: z.boolean() })
    .describe("What the hub serves this host now: when the report's etag differs, the agent has not applied the current set yet"),
});
export type HostAuditdExclusionsView<T extends Timestamp = string> = ViewOf<typeof hostAuditdExclusionsViewSchema, T>;
