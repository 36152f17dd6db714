import { useState } from 'react';
import { Card, ErrorBox, Loading } from '../components';
import { href, useAsync, useSession } from '../context';
import { SafeText, fmtDate, fmtInt } from '../safe';
import { NoiseRow, NoiseTable } from './NoisePage';

export interface Host {
  id: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  lastSeenAt: string | null;
  createdAt: string;
  status: 'online' | 'stale';
}

const PAGE = 50;

function HostDetail({ id }: { id: string }) {
  const { api } = useSession();
  const host = useAsync(() => api.get<Host>(`/api/v1/hosts/${encodeURIComponent(id)}`), [id]);
  const [kind, setKind] = useState('exec');
  const noise = useAsync(() => api.get<NoiseRow[]>(`/api/v1/hosts/${encodeURIComponent(id)}/noise`, { kind, top: 15 }), [id, kind]);
  return (
    <Card
      title={
        <>
          Host <SafeText value={host.data?.hostname ?? id} max={60} />
        </>
      }
      actions={<a href={href('/hosts')}>all hosts</a>}
      testId="host-detail"
    >
      <ErrorBox error={host.error} />
      {host.data ? (
        <p>
          <span className={`status ${host.data.status}`}>{host.data.status}</span> · OS <SafeText value={host.data.os} max={30} /> · agent{' '}
          <SafeText value={host.data.agentVersion ?? '–'} max={30} /> · last seen {fmtDate(host.data.lastSeenAt)} · enrolled {fmtDate(host.data.createdAt)}
        </p>
      ) : null}
      <div className="tabs">
        {['exec', 'parent', 'file', 'directory', 'extension', 'key', 'syscall'].map((k) => (
          <button key={k} className={k === kind ? 'active' : ''} onClick={() => setKind(k)}>
            {k}
          </button>
        ))}
      </div>
      <ErrorBox error={noise.error} />
      <Loading when={noise.loading && !noise.data} />
      {noise.data ? <NoiseTable rows={noise.data} kind={kind} testId="host-noise" /> : null}
    </Card>
  );
}

export function HostsPage({ id }: { id?: string }) {
  const { api } = useSession();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const list = useAsync(
    () => api.getWithTotal<Host[]>('/api/v1/hosts', { limit: PAGE, offset, q: q.trim() || undefined, status: status || undefined }),
    [q, status, offset],
  );
  const total = list.data?.total ?? 0;
  return (
    <div>
      <div className="toolbar">
        <h1>Hosts</h1>
        <label>
          search{' '}
          <input
            value={q}
            maxLength={200}
            placeholder="hostname"
            onChange={(e) => {
              setQ(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">any</option>
            <option value="online">online</option>
            <option value="stale">stale</option>
          </select>
        </label>
      </div>
      {id ? <HostDetail id={id} /> : null}
      <Card
        title={`${fmtInt(total)} hosts`}
        actions={
          <>
            <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              previous
            </button>
            <span className="muted">
              {total ? offset + 1 : 0}–{Math.min(total, offset + PAGE)}
            </span>
            <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              next
            </button>
          </>
        }
      >
        <ErrorBox error={list.error} />
        <Loading when={list.loading && !list.data} />
        <table data-testid="hosts-table">
          <thead>
            <tr>
              <th>hostname</th>
              <th>status</th>
              <th>OS</th>
              <th>agent</th>
              <th>last seen</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((h) => (
              <tr key={h.id} className={h.id === id ? 'selected' : ''}>
                <td>
                  <a href={href(`/hosts/${h.id}`)}>
                    <SafeText value={h.hostname} max={50} />
                  </a>
                </td>
                <td>
                  <span className={`status ${h.status}`}>{h.status}</span>
                </td>
                <td>
                  <SafeText value={h.os} max={20} />
                </td>
                <td>
                  <SafeText value={h.agentVersion ?? '–'} max={20} />
                </td>
                <td>{fmtDate(h.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
