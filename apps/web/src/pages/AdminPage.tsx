import { FormEvent, useState } from 'react';
import { ROLES, Role } from '../api';
import { Card, ErrorBox, Loading } from '../components';
import { useAsync, useSession } from '../context';
import { SafeText, cleanText, fmtDate } from '../safe';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}
interface Token {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  revokedAt: string | null;
  active: boolean;
}
interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: unknown;
}

function Tokens() {
  const { api, me } = useSession();
  const tokens = useAsync(() => api.get<Page<Token>>('/api/v1/tokens', { limit: 200 }), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<Error>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const t = await api.post<Token & { token: string }>('/api/v1/tokens', { name, role });
      setCreated({ name: t.name, token: t.token });
      setName('');
      tokens.reload();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke token "${cleanText(t.name)}"?`)) return;
    setError(undefined);
    try {
      await api.del(`/api/v1/tokens/${encodeURIComponent(t.id)}`);
      tokens.reload();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
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
      <ErrorBox error={tokens.error} />
      <Loading when={tokens.loading && !tokens.data} />
      <table>
        <thead>
          <tr>
            <th>name</th>
            <th>role</th>
            <th>created</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </Card>
  );
}

function AuditLog() {
  const { api } = useSession();
  const [cursor, setCursor] = useState<string | undefined>();
  const log = useAsync(() => api.get<Page<AuditEntry>>('/api/v1/audit-log', { limit: 50, cursor }), [cursor]);
  return (
    <Card
      title="Audit log"
      testId="audit-log"
      actions={
        <>
          {cursor ? <button onClick={() => setCursor(undefined)}>newest</button> : null}
          <button disabled={!log.data?.nextCursor} onClick={() => setCursor(log.data?.nextCursor ?? undefined)}>
            older
          </button>
        </>
      }
    >
      <ErrorBox error={log.error} />
      <table>
        <thead>
          <tr>
            <th>when</th>
            <th>who</th>
            <th>what</th>
            <th>target</th>
            <th>details</th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </Card>
  );
}

export function AdminPage() {
  return (
    <div>
      <div className="toolbar">
        <h1>Administration</h1>
      </div>
      <Tokens />
      <AuditLog />
    </div>
  );
}
