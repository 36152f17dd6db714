// The API's shared types and rules (roles, pages, views): one definition for the hub and the dashboard.
export { HOST_TAG_PATTERN, MAX_HOST_TAGS, PUSH_HISTORY_PATH, ROLES, isRole, pushSucceeded, roleAllows } from '@fleettune/api-contract';
export type { AgentStatusView, HostAuditdExclusionsView, HostView, NoiseRow, Page, PushHistoryRow, Role } from '@fleettune/api-contract';

/** The API's error body: {statusCode, error, message, issues?}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'fleettune.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      let issues: ApiError['issues'];
      try {
        const b = (await res.json()) as { message?: string; issues?: ApiError['issues'] };
        if (typeof b.message === 'string') message = b.message;
        issues = b.issues;
      } catch {
        // not JSON
      }
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, message, issues);
    }
    return res;
  }

  async get<T>(path: string, q?: Query): Promise<T> {
    return (await this.request('GET', withQuery(path, q))).json() as Promise<T>;
  }

  async getWithTotal<T>(path: string, q?: Query): Promise<{ data: T; total: number | null }> {
    const res = await this.request('GET', withQuery(path, q));
    const total = res.headers.get('x-total-count');
    return { data: (await res.json()) as T, total: total === null ? null : Number(total) };
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    const res = await this.request('POST', path, body);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    const res = await this.request('PUT', path, body);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async del<T>(path: string): Promise<T> {
    return (await this.request('DELETE', path)).json() as Promise<T>;
  }

  /** Fetches with the token and saves the answer as a file (the browser's download). */
  async download(path: string, fallbackName: string): Promise<string> {
    const res = await this.request('GET', path);
    const disposition = res.headers.get('content-disposition') ?? '';
    const m = /filename="?([A-Za-z0-9._-]{1,100})"?/.exec(disposition);
    const name = m ? m[1] : fallbackName;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return name;
  }
}

/** What this hub offers, read from its OpenAPI document (features land over time). */
export interface Capabilities {
  has(method: 'get' | 'post' | 'put' | 'delete', path: string): boolean;
  /** Whether an operation declares a query parameter (e.g. the `tag` filter, which lands later than the routes). */
  hasParam(method: 'get' | 'post' | 'put' | 'delete', path: string, name: string): boolean;
  exportFormats: string[];
  /** The `decision` values the decision endpoint takes (e.g. approved|rejected|snoozed). */
  decisionValues: string[];
}

type OpenApiDoc = {
  paths?: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; schema?: { enum?: string[] } }>;
        requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { enum?: string[] }> } }> };
      }
    >
  >;
};

export async function loadCapabilities(): Promise<Capabilities> {
  let doc: OpenApiDoc = {};
  try {
    const res = await fetch('/api/docs/openapi.json', { cache: 'no-store' });
    if (res.ok) doc = (await res.json()) as OpenApiDoc;
  } catch {
    // an old hub: assume only what every hub has
  }
  const paths = doc.paths ?? {};
  const exportParams = paths['/api/v1/exclusion-sets/{id}/export']?.get?.parameters ?? [];
  const formats = exportParams.find((p) => p.name === 'format')?.schema?.enum;
  const decisionBody = paths['/api/v1/exclusion-items/{id}/decision']?.post?.requestBody?.content?.['application/json']?.schema;
  return {
    has: (method, path) => !!paths[path]?.[method],
    hasParam: (method, path, name) => !!paths[path]?.[method]?.parameters?.some((p) => p.name === name),
    decisionValues: decisionBody?.properties?.decision?.enum ?? ['approve', 'reject', 'snooze'],
    exportFormats: formats?.length ? formats : ['mdatp-json', 'mdatp-cli', 'mdatp-plist', 'cisco-csv', 'cisco-json', 'auditd-rules'],
  };
}
