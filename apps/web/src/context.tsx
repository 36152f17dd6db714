import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { TokenSelf } from '@fleettune/api-contract';
import { Api, Capabilities } from './api';
import { toError } from './use-action';

export interface Session {
  api: Api;
  me: Pick<TokenSelf, 'name' | 'role'>;
  caps: Capabilities;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export interface AsyncState<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/** Runs `fn` whenever `deps` change; the latest call wins. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: toError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

/** Hash routes: #/noise, #/hosts/<id>, #/trends?kind=exec&subject=... */
export function useHashRoute(): { path: string[]; params: URLSearchParams } {
  const read = () => {
    const h = window.location.hash.replace(/^#/, '') || '/noise';
    const [p, q] = h.split('?');
    return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q ?? '') };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(path: string, q?: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) if (v) p.set(k, v);
  const s = p.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}
