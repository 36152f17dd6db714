import type { PushConfirmationBasis } from '@fleettune/api-contract';
import { isConsoleConnectorKind } from '../policy-push/connectors/policy-console-connector';
import type { AuditdAppliedRow, PushRow } from './host-cost.repository';

/** The auditd items of a push: the ones an agent applies on its host and reports back. */
export function auditdValues(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items
    .filter((i): i is { type: string; value: string } => (i?.type === 'audit-exe' || i?.type === 'audit-dir') && typeof i.value === 'string')
    .map((i) => i.value);
}

/** The platform a console push reaches: the target's setting; Jamf manages Macs only; unknown = every host. */
export function consolePlatform(push: Pick<PushRow, 'mode' | 'target_platform'>): string | null {
  if (push.target_platform === 'linux' || push.target_platform === 'darwin') return push.target_platform;
  return push.mode === 'jamf' ? 'darwin' : null;
}

/**
 * Issue 14 item 4, the closed loop: a push counts on a host only where its
 * items are confirmed in force there. Two confirmations exist: the console
 * read back exactly what the hub applied (a verified console-connector push:
 * every host of the target's platform takes its policy from that console), or
 * the host's agent reported loading the push's auditd rules. A webhook, a git
 * commit or a served pull proves nothing about a host by itself.
 *
 * Returns, per confirmed host, what confirmed it, and for the others why not.
 */
export function confirmPushOnHosts(
  push: Pick<PushRow, 'mode' | 'verified' | 'items' | 'target_platform'>,
  candidates: readonly string[],
  consoleHosts: ReadonlySet<string>,
  auditd: readonly AuditdAppliedRow[],
): { confirmed: Map<string, PushConfirmationBasis>; unconfirmed: Map<string, string> } {
  const confirmed = new Map<string, PushConfirmationBasis>();
  const unconfirmed = new Map<string, string>();
  const console = isConsoleConnectorKind(push.mode);
  const agentApplied = new Set(auditd.filter((r) => r.applied_values.length > 0).map((r) => r.host_id));
  const hasAuditdItems = auditdValues(push.items).length > 0;
  for (const id of candidates) {
    if (console && push.verified === true && consoleHosts.has(id)) confirmed.set(id, 'console-read-back');
    else if (agentApplied.has(id)) confirmed.set(id, 'agent-applied');
    else {
      const reasons: string[] = [];
      if (console) {
        reasons.push(push.verified === true ? `the host is not on the ${push.mode} target's platform` : `the ${push.mode} read-back did not confirm this push`);
      } else reasons.push(`a ${push.mode} push is not read back from where it lands`);
      reasons.push(
        hasAuditdItems ? 'no report from this host’s agent says it applied the push’s auditd items' : 'the push has no auditd items an agent applies',
      );
      unconfirmed.set(id, reasons.join('; '));
    }
  }
  return { confirmed, unconfirmed };
}
