import type { ApiTokenView, AuditLogView, CreatedApiToken, PolicyTargetView } from '@fleettune/api-contract';
import { FormEvent, useState } from 'react';
import { Page, PUSH_HISTORY_PATH, ROLES, Role } from '../api';
import { AsyncStatus, Card, ErrorBox } from '../components';
import { useAsync, useSession } from '../context';
import { PageLayout } from '../page-layout';
import { CursorPager } from '../pager';
import { SafeText, cleanText, fmtDate, fmtInt } from '../safe';
import { DataTable } from '../table';
import { useAction } from '../use-action';
import { PushHistory } from './PushHistory';

function Tokens() {
  const { api, me } = useSession();
  const tokens = useAsync(() => api.get<Page<ApiTokenView>>('/api/v1/tokens', { limit: 200 }), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const { error, run } = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const t = await api.post<CreatedApiToken>('/api/v1/tokens', { name, role });
      setCreated({ name: t.name, token: t.token });
      setName('');
      tokens.reload();
    });
  };
  const revoke = async (t: ApiTokenView) => {
    if (!window.confirm(`Revoke token "${cleanText(t.name)}"?`)) return;
    await run(async () => {
      await api.del(`/api/v1/tokens/${encodeURIComponent(t.id)}`);
      tokens.reload();
    });
  };
  return (
    <Card title="API tokens" testId="tokens">
      <form className="inline" onSubmit={create}>
        <input required maxLength={100} placeholder="name" value={name} onChange={(e) => setName(e.target.value)} aria-label="token name" />
        <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="token role">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="submit">create token</button>
      </form>
      {created ? (
        <div className="notice" data-testid="new-token">
          Token for <SafeText value={created.name} max={40} /> (shown only now): <code className="secret">{created.token}</code>
        </div>
      ) : null}
      <ErrorBox error={error} />
      <AsyncStatus of={tokens} />
      <DataTable columns={['name', 'role', 'created', '']}>
        {(tokens.data?.items ?? []).map((t) => (
          <tr key={t.id}>
            <td>
              <SafeText value={t.name} max={40} />
              {t.name === me.name ? <span className="muted"> (you)</span> : null}
            </td>
            <td>{cleanText(t.role)}</td>
            <td>{fmtDate(t.createdAt)}</td>
            <td>
              <button onClick={() => revoke(t)}>revoke</button>
            </td>
          </tr>
        ))}
      </DataTable>
    </Card>
  );
}

function AuditLog() {
  const { api } = useSession();
  const [cursor, setCursor] = useState<string | undefined>();
  const log = useAsync(() => api.get<Page<AuditLogView>>('/api/v1/audit-log', { limit: 50, cursor }), [cursor]);
  return (
    <Card title="Audit log" testId="audit-log" actions={<CursorPager cursor={cursor} nextCursor={log.data?.nextCursor} onChange={setCursor} />}>
      <ErrorBox error={log.error} />
      <DataTable columns={['when', 'who', 'what', 'target', 'details']}>
        {(log.data?.items ?? []).map((e) => (
          <tr key={e.id}>
            <td>{fmtDate(e.at)}</td>
            <td>
              <SafeText value={e.actor} max={30} /> {e.actorRole ? <span className="muted">({cleanText(e.actorRole)})</span> : null}
            </td>
            <td>
              <code>{cleanText(e.action)}</code>
            </td>
            <td>
              <SafeText value={e.targetId ?? ''} max={40} />
            </td>
            <td>
              <SafeText value={e.details ? JSON.stringify(e.details) : ''} max={80} />
            </td>
          </tr>
        ))}
      </DataTable>
    </Card>
  );
}

/** A console target's last scheduled drift check: in sync, items changed by hand in the console, or why it could not be read. */
function DriftCheckCell({ check }: { check: PolicyTargetView['driftCheck'] }) {
  if (check === undefined) return <span className="muted">—</span>;
  if (check === null) return <span className="muted">not checked yet</span>;
  const when = <span className="muted"> · {fmtDate(check.checkedAt)}</span>;
  if (check.error !== null)
    return (
      <span className="bad" title={cleanText(check.error)}>
        console unreadable{when}
      </span>
    );
  if (check.items)
    return (
      <span className="bad">
        {fmtInt(check.items)} changed by hand{when}
      </span>
    );
  return <span>in sync{when}</span>;
}

/** Where approved exclusions go: webhook targets (pushed, signed) and pull targets (config management fetches). */
function PolicyTargets() {
  const { api, caps } = useSession();
  const targets = useAsync(() => api.get<PolicyTargetView[]>('/api/v1/policy-targets'), []);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'webhook' | 'pull'>('webhook');
  const [url, setUrl] = useState('');
  const [created, setCreated] = useState<PolicyTargetView | null>(null);
  const [shown, setShown] = useState<string>();
  const { error, run } = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const t = await api.post<PolicyTargetView>('/api/v1/policy-targets', { name, kind, ...(kind === 'webhook' ? { url } : {}) });
      setCreated(t);
      setName('');
      setUrl('');
      targets.reload();
    });
  };
  const remove = async (t: PolicyTargetView) => {
    if (!window.confirm(`Delete target "${cleanText(t.name)}"? Its push history stays.`)) return;
    await run(async () => {
      await api.request('DELETE', `/api/v1/policy-targets/${encodeURIComponent(t.id)}`);
      if (shown === t.id) setShown(undefined);
      targets.reload();
    });
  };
  return (
    <>
      <Card title="Policy targets" testId="policy-targets">
        <form className="inline" onSubmit={create}>
          <input required maxLength={200} placeholder="name" value={name} onChange={(e) => setName(e.target.value)} aria-label="target name" />
          <select value={kind} onChange={(e) => setKind(e.target.value as 'webhook' | 'pull')} aria-label="target kind">
            <option value="webhook">webhook</option>
            <option value="pull">pull</option>
          </select>
          {kind === 'webhook' ? (
            <input
              required
              type="url"
              maxLength={2000}
              placeholder="https://…"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              aria-label="webhook url"
              className="wide"
            />
          ) : null}
          <button type="submit">add target</button>
        </form>
        {created?.secret ? (
          <div className="notice" data-testid="new-target-secret">
            Signing secret of <SafeText value={created.name} max={40} /> (shown only now): <code className="secret">{created.secret}</code>
          </div>
        ) : null}
        <ErrorBox error={error} />
        <AsyncStatus of={targets} />
        {targets.data && !targets.data.length ? <div className="muted">no targets yet</div> : null}
        {targets.data?.length ? (
          <DataTable columns={['name', 'kind', 'url / pull path', 'console drift', 'created', '']}>
            {targets.data.map((t) => (
              <tr key={t.id} className={t.id === shown ? 'selected' : ''}>
                <td className="subject">
                  <SafeText value={t.name} max={40} />
                </td>
                <td>{cleanText(t.kind)}</td>
                <td className="subject">
                  <SafeText value={t.kind === 'pull' ? `/api/v1/policy-targets/${t.id}/export?format=…` : (t.url ?? '')} max={60} />
                </td>
                <td data-testid="target-drift">
                  <DriftCheckCell check={t.driftCheck} />
                </td>
                <td>
                  {fmtDate(t.createdAt)}{' '}
                  <span className="muted">
                    by <SafeText value={t.createdBy} max={20} />
                  </span>
                </td>
                <td className="actions">
                  {caps.has('get', PUSH_HISTORY_PATH) ? (
                    <button onClick={() => setShown(shown === t.id ? undefined : t.id)} data-testid="target-history">
                      {shown === t.id ? 'hide history' : 'history'}
                    </button>
                  ) : null}
                  <button onClick={() => remove(t)}>delete</button>
                </td>
              </tr>
            ))}
          </DataTable>
        ) : null}
      </Card>
      {shown ? <PushHistory targetId={shown} title={`Pushes to ${cleanText(targets.data?.find((t) => t.id === shown)?.name ?? '').slice(0, 60)}`} /> : null}
    </>
  );
}

export function AdminPage() {
  const { caps } = useSession();
  return (
    <PageLayout title="Administration">
      <Tokens />
      {caps.has('get', '/api/v1/policy-targets') ? <PolicyTargets /> : null}
      <AuditLog />
    </PageLayout>
  );
}
