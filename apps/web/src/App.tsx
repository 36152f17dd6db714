import type { TokenSelf } from '@fleettune/api-contract';
import { FormEvent, useCallback, useEffect, useState } from 'react';
import { Api, ApiError, Role, isRole, loadCapabilities, roleAllows, tokenStore } from './api';
import { ErrorBox } from './components';
import { Session, SessionContext, href, useHashRoute } from './context';
import { SafeText } from './safe';
import { AdminPage } from './pages/AdminPage';
import { AlertsPage } from './pages/AlertsPage';
import { ExclusionsPage } from './pages/ExclusionsPage';
import { HostsPage } from './pages/HostsPage';
import { NoisePage } from './pages/NoisePage';
import { TrendsPage } from './pages/TrendsPage';
import { CostPage } from './pages/CostPage';

async function openSession(token: string, onUnauthorized: () => void): Promise<Session> {
  const api = new Api(token, onUnauthorized);
  const [me, caps] = await Promise.all([api.get<TokenSelf>('/api/v1/me'), loadCapabilities()]);
  if (!isRole(me.role)) throw new Error(`unknown role ${me.role}`);
  return { api, me: { name: me.name, role: me.role }, caps };
}

function SignIn({ onSignedIn, reason }: { onSignedIn: (s: Session) => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const t = token.trim();
      const s = await openSession(t, () => undefined);
      tokenStore.set(t);
      onSignedIn(s);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? new Error('That token is not valid (or was revoked).') : (err as Error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form onSubmit={submit} data-testid="signin-form">
        <h1>fleettune</h1>
        <p className="muted">Sign in with an API token. It is kept in this tab only (session storage).</p>
        {reason ? <div className="notice">{reason}</div> : null}
        <input
          type="password"
          autoComplete="off"
          placeholder="API token"
          value={token}
          maxLength={512}
          onChange={(e) => setToken(e.target.value)}
          aria-label="API token"
          data-testid="token-input"
          autoFocus
        />
        <button type="submit" disabled={busy || !token.trim()} data-testid="signin">
          sign in
        </button>
        <ErrorBox error={error} />
      </form>
    </div>
  );
}

const NAV: Array<{ path: string; label: string; role: Role }> = [
  { path: 'noise', label: 'Fleet noise', role: 'viewer' },
  { path: 'trends', label: 'Trends', role: 'viewer' },
  { path: 'hosts', label: 'Hosts', role: 'viewer' },
  { path: 'exclusions', label: 'Exclusions', role: 'viewer' },
  { path: 'alerts', label: 'Alerts', role: 'viewer' },
  { path: 'cost', label: 'Cost', role: 'viewer' },
  { path: 'admin', label: 'Admin', role: 'admin' },
];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => !!tokenStore.get());
  const [reason, setReason] = useState<string>();
  const route = useHashRoute();
  const signOut = useCallback((why?: string) => {
    tokenStore.clear();
    setSession(null);
    setReason(why);
  }, []);
  useEffect(() => {
    const t = tokenStore.get();
    if (!t) return;
    openSession(t, () => signOut('Your token is no longer valid; sign in again.'))
      .then(setSession, () => signOut('Your token is no longer valid; sign in again.'))
      .finally(() => setRestoring(false));
  }, [signOut]);
  if (restoring) return <div className="muted pad">loading…</div>;
  if (!session) return <SignIn reason={reason} onSignedIn={(s) => setSession(s)} />;
  const [page, arg] = route.path;
  const allowed = NAV.filter((n) => roleAllows(session.me.role, n.role));
  const current = allowed.some((n) => n.path === page) ? page : 'noise';
  return (
    <SessionContext.Provider value={session}>
      <div className="shell">
        <nav>
          <span className="brand">fleettune</span>
          {allowed.map((n) => (
            <a key={n.path} href={href(`/${n.path}`)} className={n.path === current ? 'active' : ''} data-testid={`nav-${n.path}`}>
              {n.label}
            </a>
          ))}
          <span className="spacer" />
          <span className="who" data-testid="whoami">
            <SafeText value={session.me.name} max={30} /> ·{' '}
            <span className={`role ${session.me.role}`} data-testid="role">
              {session.me.role}
            </span>
          </span>
          <button onClick={() => signOut()} data-testid="signout">
            sign out
          </button>
        </nav>
        <main>
          {current === 'noise' ? <NoisePage /> : null}
          {current === 'trends' ? <TrendsPage params={route.params} /> : null}
          {current === 'hosts' ? <HostsPage id={arg} /> : null}
          {current === 'exclusions' ? <ExclusionsPage /> : null}
          {current === 'alerts' ? <AlertsPage focus={arg} /> : null}
          {current === 'cost' ? <CostPage hostId={arg} /> : null}
          {current === 'admin' ? <AdminPage /> : null}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
