import type { AlertView } from '@fleettune/api-contract';
import { useState } from 'react';
import { ApiError, roleAllows } from '../api';
import { Card, ErrorBox, Loading } from '../components';
import { href, useAsync, useSession } from '../context';
import { SafeText, cleanText, fmtDate, fmtInt, fmtRate } from '../safe';

const STATUSES = ['open', 'acknowledged', 'muted', 'resolved'];

export function AlertsPage({ focus }: { focus?: string }) {
  const { api, me } = useSession();
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [notice, setNotice] = useState('');
  const list = useAsync(async () => {
    const res = await api.get<AlertView[] | { items: AlertView[] }>('/api/v1/alerts', { status: status || undefined });
    return Array.isArray(res) ? res : res.items;
  }, [status]);
  const canAct = roleAllows(me.role, 'approver');
  const maxRate = Math.max(1e-9, ...(list.data ?? []).map((a) => a.ratePerSecond || 0));
  const act = async (a: AlertView, action: 'acknowledge' | 'resolve' | 'mute') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/${action}`, { note: `${action} from the dashboard` });
      setNotice(`${action}: ${cleanText(a.subject)}`);
      list.reload();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  if (list.error instanceof ApiError && list.error.status === 404) {
    return (
      <div>
        <h1>Alerts</h1>
        <Card title="Alerts are not available">This hub does not offer alerts yet.</Card>
      </div>
    );
  }
  return (
    <div>
      <div className="toolbar">
        <h1>Alerts</h1>
        <label>
          status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="alert-status">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {notice ? (
          <span className="notice" data-testid="notice">
            {notice}
          </span>
        ) : null}
      </div>
      <ErrorBox error={error} />
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      <Card title={`${fmtInt(list.data?.length ?? 0)} alerts`}>
        {list.data && !list.data.length ? <div className="muted">no alerts</div> : null}
        <table data-testid="alerts-table">
          <thead>
            <tr>
              <th>status</th>
              <th>kind</th>
              <th>subject</th>
              <th className="num">hosts</th>
              <th className="num">per second</th>
              <th className="bar" aria-hidden="true"></th>
              <th>seen</th>
              <th>reason</th>
              {canAct ? <th></th> : null}
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((a) => (
              <tr key={a.id} className={a.id === focus ? 'selected' : ''} data-alert-id={a.id}>
                <td>
                  <span className={`status ${cleanText(a.status)}`} data-testid="alert-state">
                    {cleanText(a.status)}
                  </span>
                  {a.acknowledgedBy ? (
                    <div className="muted">
                      by <SafeText value={a.acknowledgedBy} max={30} />
                    </div>
                  ) : null}
                </td>
                <td>{cleanText(a.kind)}</td>
                <td className="subject">
                  <a
                    href={href('/trends', {
                      kind: ['exec', 'parent', 'file', 'directory'].includes(a.kind) ? (a.kind === 'path' ? 'file' : a.kind) : 'exec',
                      subject: a.subject,
                    })}
                  >
                    <SafeText value={a.subject} max={60} />
                  </a>
                </td>
                <td className="num">
                  {fmtInt(a.hosts)}/{fmtInt(a.hostsReporting)}
                </td>
                <td className="num">{fmtRate(a.ratePerSecond)}</td>
                <td className="bar" aria-hidden="true">
                  <span style={{ width: `${(100 * (a.ratePerSecond || 0)) / maxRate}%` }} />
                </td>
                <td>
                  {fmtDate(a.firstSeenAt)}
                  <br />
                  {fmtDate(a.lastSeenAt)}
                </td>
                <td>
                  <SafeText value={a.reason} max={100} />
                </td>
                {canAct ? (
                  <td className="actions">
                    {a.status === 'open' ? (
                      <button disabled={busy} onClick={() => act(a, 'acknowledge')} data-testid="acknowledge">
                        acknowledge
                      </button>
                    ) : null}
                    {a.status !== 'resolved' ? (
                      <button disabled={busy} onClick={() => act(a, 'resolve')} data-testid="resolve">
                        resolve
                      </button>
                    ) : null}
                    {a.status !== 'muted' && a.status !== 'resolved' ? (
                      <button disabled={busy} onClick={() => act(a, 'mute')} data-testid="mute">
                        mute
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
