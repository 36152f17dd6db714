import { AUDITD_APPLY_OUTCOMES, AUDITD_APPLY_STATES, AuditdApplyLineView, AuditdApplyState } from '@fleettune/api-contract';
import type { AuditdApplyReport } from '@fleettune/proto';

export interface ValidAuditdApplyReport {
  etag: string;
  setId: string | null;
  setVersion: number | null;
  state: AuditdApplyState;
  message: string;
  lines: AuditdApplyLineView[];
}

/** Bounds of one report: a set holds at most a few thousand items; paths at most PATH_MAX. */
export const AUDITD_REPORT_LIMITS = { maxLines: 10_000, maxValue: 4_096, maxReason: 1_000, maxRule: 8_400, maxMessage: 2_000 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks an apply report from an agent (treated as possibly compromised): every field bounded,
 * states and outcomes from their lists, ids well formed. Returns the problem, or the report to store.
 */
export function validateAuditdApplyReport(r: AuditdApplyReport): { problem: string } | { report: ValidAuditdApplyReport } {
  const L = AUDITD_REPORT_LIMITS;
  if (!(AUDITD_APPLY_STATES as readonly string[]).includes(r.state)) return { problem: `state must be one of ${AUDITD_APPLY_STATES.join(', ')}` };
  if (r.etag.length > 128) return { problem: 'etag longer than 128 characters' };
  if (r.setId !== '' && !UUID.test(r.setId)) return { problem: 'set_id is not a uuid' };
  if (r.message.length > L.maxMessage) return { problem: `message longer than ${L.maxMessage} characters` };
  if (r.lines.length > L.maxLines) return { problem: `more than ${L.maxLines} lines` };
  const lines: AuditdApplyLineView[] = [];
  for (const [n, l] of r.lines.entries()) {
    const where = `line ${n}`;
    if (!(AUDITD_APPLY_OUTCOMES as readonly string[]).includes(l.outcome))
      return { problem: `${where}: outcome must be one of ${AUDITD_APPLY_OUTCOMES.join(', ')}` };
    if (l.itemId !== '' && !UUID.test(l.itemId)) return { problem: `${where}: item_id is not a uuid` };
    if (l.type.length > 32) return { problem: `${where}: type longer than 32 characters` };
    if (l.value.length > L.maxValue) return { problem: `${where}: value longer than ${L.maxValue} characters` };
    if (l.reason.length > L.maxReason) return { problem: `${where}: reason longer than ${L.maxReason} characters` };
    if (l.rule.length > L.maxRule) return { problem: `${where}: rule longer than ${L.maxRule} characters` };
    // PostgreSQL text cannot hold NUL.
    if ([l.type, l.value, l.reason, l.rule].some((s) => s.includes('\u0000'))) return { problem: `${where}: NUL character` };
    lines.push({ itemId: l.itemId, type: l.type, value: l.value, outcome: l.outcome as AuditdApplyLineView['outcome'], reason: l.reason, rule: l.rule });
  }
  if ([r.etag, r.message].some((s) => s.includes('\u0000'))) return { problem: 'NUL character' };
  return {
    report: {
      etag: r.etag,
      setId: r.setId === '' ? null : r.setId,
      setVersion: r.setId === '' ? null : r.setVersion,
      state: r.state as AuditdApplyState,
      message: r.message,
      lines,
    },
  };
}
