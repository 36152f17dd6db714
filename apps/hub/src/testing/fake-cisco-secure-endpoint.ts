import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local stand-in for Cisco XDR's token endpoint and the Secure Endpoint API
 * v3 exclusions of one organization, for the connector's contract specs. It
 * enforces what the documentation and Cisco's samples show (see
 * policy-push/connectors/cisco-secure-endpoint.connector.ts for the sources):
 *
 * - `POST /iroh/oauth2/token`: HTTP Basic client id/password, form body
 *   `grant_type=client_credentials` → `{access_token, token_type: "bearer", expires_in, scope}`;
 *   wrong client → 400 `{error: "invalid_client"}`, other grant → 400 `{error: "unsupported_grant_type"}`.
 * - `POST /v3/access_tokens` with Bearer <XDR token> → 201 `{access_token}`; anything else 401.
 * - Every other /v3 call needs Bearer <Secure Endpoint token> not expired, else 401 `{errors: [...]}`.
 * - `GET /v3/organizations` → `{meta, data: [{name, organizationIdentifier}]}`.
 * - `GET .../exclusion_sets/{guid}/exclusions?size&start`: size 1..100 (else 400), pages
 *   `{meta: {start, size, total}, data}`; unknown organization or set → 404.
 * - `POST .../exclusions`: one exclusion, JSON; `exclusionType` path | fileExtension | process
 *   | executable with that type's fields only, absolute paths, booleans where booleans go; anything
 *   else 400 `{errors: [...]}` (the documented error shape); 201 `{data: {guid, ...}}`.
 * - `DELETE .../exclusions/{exclusionGuid}` → 204, or 404 when absent.
 * - Injectable faults: the next N calls answer 429 with Retry-After, or 5xx; tokens can be expired at once.
 */
export interface FakeCiscoOptions {
  clientId: string;
  clientSecret: string;
  organizationId: string;
  exclusionSetGuid: string;
  /** Lifetime of a Secure Endpoint token (default 10 minutes). */
  tokenTtlMs?: number;
}

export interface FakeCiscoRequest {
  method: string;
  path: string;
  status: number;
}

export type FakeExclusion = Record<string, unknown> & { guid: string };

export class FakeCiscoSecureEndpoint {
  readonly exclusions: FakeExclusion[] = [];
  readonly log: FakeCiscoRequest[] = [];
  private readonly xdrTokens = new Set<string>();
  private readonly seTokens = new Map<string, number>();
  private faults: Array<{ status: number; retryAfter?: string }> = [];
  private callsPerToken?: number;
  private readonly tokenCalls = new Map<string, number>();
  private server!: Server;
  url = '';

  constructor(private readonly opts: FakeCiscoOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err: Error) => this.send(req, res, 500, { errors: [err.message] }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The `config` of a cisco-secure-endpoint policy target that talks to this fake (after start()). */
  targetConfig(platform: 'linux' | 'darwin' = 'linux') {
    return {
      apiBaseUrl: `${this.url}/v3`,
      tokenUrl: `${this.url}/iroh/oauth2/token`,
      organizationId: this.opts.organizationId,
      exclusionSetGuid: this.opts.exclusionSetGuid,
      platform,
    };
  }

  /** The next `count` API calls (token endpoints excluded) answer 429 with this Retry-After. */
  rateLimitNext(count: number, retryAfter: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ status: 429, retryAfter });
  }

  /** The next `count` API calls answer this 5xx status. */
  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.faults.push({ status });
  }

  /** Every Secure Endpoint token issued so far expires now (the next call with one gets 401). */
  expireTokens(): void {
    for (const t of this.seTokens.keys()) this.seTokens.set(t, 0);
  }

  /** Tokens expire after this many API calls each (a token expiring in the middle of a push); undefined: by time only. */
  expireTokensAfterCalls(calls: number | undefined): void {
    this.callsPerToken = calls;
  }

  /** Secure Endpoint tokens issued so far (each token exchange adds one). */
  tokensIssued(): number {
    return this.seTokens.size;
  }

  /** An exclusion a person made in the console. */
  addByHand(body: Record<string, unknown>): FakeExclusion {
    const x = { guid: randomUUID(), ...body };
    this.exclusions.push(x);
    return x;
  }

  /** A person edits or deletes an exclusion in the console. */
  editByHand(guid: string, patch: Record<string, unknown>): void {
    const x = this.exclusions.find((e) => e.guid === guid);
    if (!x) throw new Error(`no exclusion ${guid}`);
    Object.assign(x, patch);
  }

  deleteByHand(guid: string): void {
    const i = this.exclusions.findIndex((e) => e.guid === guid);
    if (i >= 0) this.exclusions.splice(i, 1);
  }

  /** Calls that changed the exclusion set (POST/DELETE on exclusions). */
  writes(): FakeCiscoRequest[] {
    return this.log.filter((r) => r.path.includes('/exclusions') && (r.method === 'POST' || r.method === 'DELETE'));
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.log.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], status });
    res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(body !== undefined ? JSON.stringify(body) : undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const auth = req.headers.authorization ?? '';

    if (u.pathname === '/iroh/oauth2/token' && method === 'POST') {
      const basic = /^Basic (.+)$/.exec(auth);
      const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
        return this.send(req, res, 400, { error: 'invalid_request', error_description: 'form body required' });
      if (new URLSearchParams(raw).get('grant_type') !== 'client_credentials') return this.send(req, res, 400, { error: 'unsupported_grant_type' });
      if (id !== this.opts.clientId || secret !== this.opts.clientSecret) return this.send(req, res, 400, { error: 'invalid_client' });
      const token = `xdr-${randomUUID()}`;
      this.xdrTokens.add(token);
      return this.send(req, res, 200, { access_token: token, token_type: 'bearer', expires_in: 600, scope: 'private-intel enrich:read' });
    }

    const bearer = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (u.pathname === '/v3/access_tokens' && method === 'POST') {
      if (!bearer || !this.xdrTokens.has(bearer)) return this.send(req, res, 401, { errors: ['invalid XDR access token'] });
      const token = `se-${randomUUID()}`;
      this.seTokens.set(token, Date.now() + (this.opts.tokenTtlMs ?? 600_000));
      return this.send(req, res, 201, { access_token: token, token_type: 'bearer', expires_in: Math.round((this.opts.tokenTtlMs ?? 600_000) / 1000) });
    }

    if (!u.pathname.startsWith('/v3/')) return this.send(req, res, 404, { errors: ['not found'] });
    const expires = bearer ? this.seTokens.get(bearer) : undefined;
    const used = bearer ? (this.tokenCalls.get(bearer) ?? 0) : 0;
    if (expires === undefined || expires <= Date.now() || (this.callsPerToken !== undefined && used >= this.callsPerToken))
      return this.send(req, res, 401, { errors: ['unauthorized: missing, invalid or expired access token'] });
    this.tokenCalls.set(bearer!, used + 1);
    const fault = this.faults.shift();
    if (fault)
      return this.send(
        req,
        res,
        fault.status,
        { errors: [fault.status === 429 ? 'rate limit exceeded' : 'service unavailable'] },
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );

    if (u.pathname === '/v3/organizations' && method === 'GET') {
      return this.send(req, res, 200, {
        meta: { start: 0, size: 1, total: 1 },
        data: [{ name: 'Example Organization', organizationIdentifier: this.opts.organizationId }],
      });
    }
    const m = /^\/v3\/organizations\/([^/]+)\/exclusion_sets\/([^/]+)\/exclusions(?:\/([^/]+))?$/.exec(u.pathname);
    if (!m) return this.send(req, res, 404, { errors: ['not found'] });
    if (decodeURIComponent(m[1]) !== this.opts.organizationId) return this.send(req, res, 404, { errors: ['organization not found'] });
    if (decodeURIComponent(m[2]) !== this.opts.exclusionSetGuid) return this.send(req, res, 404, { errors: ['exclusion set not found'] });
    const itemGuid = m[3] ? decodeURIComponent(m[3]) : undefined;

    if (method === 'GET' && !itemGuid) {
      const size = Number(u.searchParams.get('size') ?? '100');
      const start = Number(u.searchParams.get('start') ?? '0');
      if (!Number.isInteger(size) || size < 1 || size > 100) return this.send(req, res, 400, { errors: ['size must be between 1 and 100'] });
      if (!Number.isInteger(start) || start < 0) return this.send(req, res, 400, { errors: ['start must be a non-negative integer'] });
      const data = this.exclusions.slice(start, start + size);
      return this.send(req, res, 200, { meta: { start, size: data.length, total: this.exclusions.length }, data });
    }
    if (method === 'POST' && !itemGuid) {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return this.send(req, res, 400, { errors: ['body is not JSON'] });
      }
      if (!String(req.headers['content-type']).startsWith('application/json'))
        return this.send(req, res, 415, { errors: ['content-type must be application/json'] });
      const problems = exclusionProblems(body);
      if (problems.length) return this.send(req, res, 400, { errors: problems });
      const x = { guid: randomUUID(), ...(body as Record<string, unknown>) };
      this.exclusions.push(x);
      return this.send(req, res, 201, { data: x });
    }
    if (method === 'DELETE' && itemGuid) {
      const i = this.exclusions.findIndex((e) => e.guid === itemGuid);
      if (i < 0) return this.send(req, res, 404, { errors: ['exclusion not found'] });
      this.exclusions.splice(i, 1);
      return this.send(req, res, 204);
    }
    return this.send(req, res, 405, { errors: [`${method} not allowed here`] });
  }
}

const FIELDS: Record<string, string[]> = {
  path: ['exclusionType', 'path', 'anyDrive'],
  fileExtension: ['exclusionType', 'fileExtension'],
  process: ['exclusionType', 'process', 'engineSettings'],
  executable: ['exclusionType', 'executableName', 'excludeExploitPrevention'],
};
const ENGINES = ['fileScan', 'maliciousActivity', 'behavioralProtection', 'systemProcessProtection'];

/** What is wrong with an exclusion body, in the API's words; [] when it is well formed. */
function exclusionProblems(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body must be one exclusion object'];
  const b = body as Record<string, unknown>;
  const allowed = FIELDS[String(b.exclusionType)];
  if (!allowed) return [`exclusionType must be one of ${Object.keys(FIELDS).join(', ')}`];
  const out = Object.keys(b)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${k} is not allowed for ${String(b.exclusionType)} exclusions`);
  const isPath = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 1024 && (v.startsWith('/') || v.startsWith('*'));
  if (b.exclusionType === 'path' && !isPath(b.path)) out.push('path must be an absolute path');
  if (b.exclusionType === 'fileExtension' && (typeof b.fileExtension !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(b.fileExtension)))
    out.push('fileExtension must be an extension without the dot');
  if (b.exclusionType === 'process') {
    const p = b.process as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') out.push('process is required');
    else {
      if (!isPath(p.path)) out.push('process.path must be an absolute path');
      if (p.user !== undefined && (typeof p.user !== 'string' || !p.user)) out.push('process.user must be a user name or All Users');
      for (const k of Object.keys(p)) if (!['path', 'sha', 'user'].includes(k)) out.push(`process.${k} is not allowed`);
    }
    const e = b.engineSettings as Record<string, unknown> | undefined;
    if (e !== undefined) {
      if (!e || typeof e !== 'object') out.push('engineSettings must be an object');
      else
        for (const [name, v] of Object.entries(e)) {
          if (!ENGINES.includes(name)) out.push(`engineSettings.${name} is not an engine`);
          const s = v as Record<string, unknown>;
          if (!s || typeof s.applyToEngine !== 'boolean' || (s.applyToChildProcesses !== undefined && typeof s.applyToChildProcesses !== 'boolean'))
            out.push(`engineSettings.${name} needs boolean applyToEngine and applyToChildProcesses`);
        }
    }
  }
  return out;
}
