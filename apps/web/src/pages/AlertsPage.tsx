import type { AlertView } from '@fleettune/api-contract';
import { useState } from 'react';
import { ApiError, roleAllows } from '../api';
import { AsyncStatus, Card, ErrorBox } from '../components';
import { href, useAsync, useSession } from '../context';
import { Notice, PageLayout } from '../page-layout';
import { SafeText, cleanText, fmtDate, fmtInt, fmtRate } from '../safe';
import { LabeledSelect } from '../select';
import { BAR_COLUMN, BarCell, DataTable, numColumn } from '../table';
import { useAction } from '../use-action';

const STATUSES = ['open', 'acknowledged', 'muted', 'resolved'];

export function AlertsPage({ focus }: { focus?: string }) {
  const { api, me } = useSession();
  const [status, setStatus] = useState('');
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState('');
  const list = useAsync(async () => {
    const res = await api.get<AlertView[] | { items: AlertView[] }>('/api/v1/alerts', { status: status || undefined });
    return Array.isArray(res) ? res : res.items;
  }, [status]);
  const canAct = roleAllows(me.role, 'approver');
  const maxRate = Math.max(1e-9, ...(list.data ?? []).map((a) => a.ratePerSecond || 0));
  const act = (a: AlertView, action: 'acknowledge' | 'resolve' | 'mute') =>
    run(async () => {
      await api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/${action}`, { note: `${action} from the dashboard` });
      setNotice(`${action}: ${cleanText(a.subject)}`);
      list.reload();
    });
  if (list.error instanceof ApiError && list.error.status === 404) {
    return (
      <div>
        <h1>Alerts</h1>
        <Card title="Alerts are not available">This hub does not offer alerts yet.</Card>
      </div>
    );
  }
  return (
    <PageLayout
      title="Alerts"
      tools={
        <>
          <LabeledSelect label="status" value={status} choices={STATUSES} onChange={setStatus} testId="alert-status" any />
          <Notice text={notice} />
        </>
      }
    >
      <ErrorBox error={error} />
      <AsyncStatus of={list} />
      <Card title={`${fmtInt(list.data?.length ?? 0)} alerts`}>
        {list.data && !list.data.length ? <div className="muted">no alerts</div> : null}
        <DataTable
          testId="alerts-table"
          columns={['status', 'kind', 'subject', numColumn('hosts'), numColumn('per second'), BAR_COLUMN, 'seen', 'reason', canAct && '']}
        >
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
              <BarCell value={a.ratePerSecond || 0} max={maxRate} />
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
        </DataTable>
      </Card>
    </PageLayout>
  );
}
