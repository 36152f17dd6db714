import type { HostAuditdExclusionsView } from '../api';
import { ErrorBox } from '../components';
import { useAsync, useSession } from '../context';
import { SafeText, fmtDate, fmtInt } from '../safe';

const STATE_WHY: Record<string, string> = {
  applied: 'every rule planned for this host is loaded',
  partial: 'some rules were refused by the kernel (see failed)',
  failed: 'the load failed; the agent restored the previous rules',
  immutable: 'audit is locked on this host (enabled 2): nothing can be changed until reboot',
  unavailable: 'auditctl cannot be used on this host',
};

/**
 * Issue 14: what the host's agent did with the approved auditd exclusions (fleettune-agent
 * apply-exclusions): loaded, skipped because the path is absent here, or refused. Every value
 * shown comes from the agent and goes through SafeText.
 */
export function AuditdExclusions({ id }: { id: string }) {
  const { api } = useSession();
  const view = useAsync(() => api.get<HostAuditdExclusionsView>(`/api/v1/hosts/${encodeURIComponent(id)}/auditd-exclusions`), [id]);
  if (view.error) return <ErrorBox error={view.error} />;
  const v = view.data;
  if (!v) return null;
  const r = v.report;
  return (
    <div data-testid="host-auditd-exclusions">
      <h3>auditd exclusions applied by the agent</h3>
      {!r ? (
        <p className="muted">
          The agent has not reported applying auditd exclusions (run fleettune-agent apply-exclusions, or run with --apply-auditd-exclusions).
          {v.current.items ? ` ${fmtInt(v.current.items)} approved auditd items are waiting for it.` : ''}
        </p>
      ) : (
        <>
          <p>
            <span className={`status ${r.state === 'applied' ? 'online' : 'stale'}`} title={STATE_WHY[r.state] ?? ''} data-testid="auditd-apply-state">
              <SafeText value={r.state} max={20} />
            </span>{' '}
            set v{r.setVersion ?? '–'} · {fmtInt(r.applied)} applied · {fmtInt(r.skipped)} skipped · {fmtInt(r.failed)} failed · reported{' '}
            {fmtDate(r.reportedAt)}
            {v.current.reportIsCurrent ? null : <span className="muted"> · the current approved set (v{v.current.setVersion ?? '–'}) is not applied yet</span>}
          </p>
          {r.message ? (
            <p className="muted">
              <SafeText value={r.message} max={300} />
            </p>
          ) : null}
          {r.lines.length ? (
            <table>
              <thead>
                <tr>
                  <th>item</th>
                  <th>on this host</th>
                  <th>why</th>
                </tr>
              </thead>
              <tbody>
                {r.lines.slice(0, 200).map((l, i) => (
                  <tr key={i}>
                    <td>
                      <SafeText value={l.type} max={12} /> <SafeText value={l.value} max={90} />
                    </td>
                    <td>
                      <SafeText value={l.outcome} max={10} />
                    </td>
                    <td className="muted">
                      <SafeText value={l.reason} max={160} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </div>
  );
}
