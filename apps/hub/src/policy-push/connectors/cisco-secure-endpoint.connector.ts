import { z } from 'zod';
import { CiscoConsoleExclusion, ConsolePlan, OwnedConsoleItem, ciscoConsoleExclusions, readCiscoExclusion } from '@fleettune/exporters';
import { itemsForPlatform } from '@fleettune/rules';
import type { PushedItem } from '../policy-payload';
import { BearerAuth, ConnectorHttp } from './connector-http';
import { ConnectorError, OwnedRead, PolicyConsoleConnector, PolicyConsoleConnectorFactory } from './policy-console-connector';

/**
 * Cisco Secure Endpoint (formerly AMP for Endpoints) through its API v3.
 *
 * - Base URIs per region (https://developer.cisco.com/docs/secure-endpoint/getting-started):
 *   api.amp.cisco.com/v3 (North America), api.eu.amp.cisco.com/v3 (Europe), api.apjc.amp.cisco.com/v3
 *   (Asia Pacific, Japan, China).
 * - Authentication (https://developer.cisco.com/docs/secure-endpoint/authentication, and Cisco XDR's
 *   "Authentication" guide https://developer.cisco.com/docs/cisco-xdr/authentication): an API client
 *   registered in Cisco XDR / Secure Client Cloud Management; its client id and password get an XDR
 *   token by OAuth2 client credentials (`POST {visibility}/iroh/oauth2/token`, HTTP Basic, form
 *   `grant_type=client_credentials`, `{access_token, token_type, expires_in}`), which
 *   `POST /v3/access_tokens` (Bearer the XDR token) exchanges for the Secure Endpoint token used as
 *   `Authorization: Bearer` on every v3 call — the flow of Cisco's own sample
 *   https://github.com/CiscoSecurity/amp-04-export-exclusions. A 401 refreshes both once.
 * - Exclusions: `GET /v3/organizations/{org}/exclusion_sets/{guid}/exclusions?size=&start=` pages of
 *   `{meta: {size, total}, data: [...]}` (the sample pages with size 100 until start + size >= total);
 *   `POST` the same path with one exclusion (201, `{data: {guid, ...}}`); `DELETE .../exclusions/{exclusionGuid}`
 *   (the per-item path of v3 resources: the public pages found do not show this call's exact form, so
 *   the fake server and this client follow that layout; check it against the tenant's API reference
 *   before the first real push — the dry run does not call it).
 * - Ownership: API v3 exclusions have no name or description field, so the hub owns exactly the guids it
 *   created, recorded in each push's `applied` ledger; every other exclusion of the set is human-made and
 *   never touched. Point the target at an exclusion set of its own (or a shared one: others' items stay).
 */
const REGIONS = {
  nam: { api: 'https://api.amp.cisco.com/v3', token: 'https://visibility.amp.cisco.com/iroh/oauth2/token' },
  eu: { api: 'https://api.eu.amp.cisco.com/v3', token: 'https://visibility.eu.amp.cisco.com/iroh/oauth2/token' },
  apjc: { api: 'https://api.apjc.amp.cisco.com/v3', token: 'https://visibility.apjc.amp.cisco.com/iroh/oauth2/token' },
} as const;

/** Documented page size of the sample; the fake server refuses more. */
export const CISCO_PAGE_SIZE = 100;
/** Most pages read from one exclusion set: a console answering endless pages fails the read instead of looping. */
const MAX_PAGES = 500;

const idPart = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only (it goes into the URL path)');

export const ciscoConfigSchema = z
  .object({
    region: z.enum(['nam', 'eu', 'apjc']).default('nam'),
    /** Overrides the region's API base (ends in /v3). */
    apiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Overrides the region's XDR token endpoint. */
    tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
    organizationId: idPart,
    exclusionSetGuid: idPart,
    /** The exclusion set's operating system: only approved items for it are carried (API v3 sets have one). */
    platform: z.enum(['linux', 'darwin']),
  })
  .strict();
export type CiscoConfig = z.infer<typeof ciscoConfigSchema>;

export const ciscoCredentialsSchema = z.object({ clientId: z.string().trim().min(1).max(500), clientSecret: z.string().min(1).max(2000) }).strict();
export type CiscoCredentials = z.infer<typeof ciscoCredentialsSchema>;

function endpointsOf(c: CiscoConfig) {
  const region = REGIONS[c.region];
  return { api: (c.apiBaseUrl ?? region.api).replace(/\/+$/, ''), token: c.tokenUrl ?? region.token };
}

export const ciscoSecureEndpointConnector: PolicyConsoleConnectorFactory<CiscoConfig, CiscoCredentials, CiscoConsoleExclusion> = {
  kind: 'cisco-secure-endpoint',
  consoleName: 'Secure Endpoint exclusion set',
  configSchema: ciscoConfigSchema,
  credentialsSchema: ciscoCredentialsSchema,
  endpoints: (c) => Object.values(endpointsOf(c)),
  desired: (items: readonly PushedItem[], c) => ciscoConsoleExclusions(itemsForPlatform(items, c.platform)),
  create: ({ config, credentials, http }) => new CiscoSecureEndpointConnector(config, credentials, http),
};

class CiscoSecureEndpointConnector implements PolicyConsoleConnector<CiscoConsoleExclusion> {
  private readonly urls: { api: string; token: string };
  private token?: string;
  private readonly auth: BearerAuth;

  constructor(
    private readonly config: CiscoConfig,
    private readonly credentials: CiscoCredentials,
    private readonly http: ConnectorHttp,
  ) {
    this.urls = endpointsOf(config);
    this.auth = {
      token: async () => (this.token ??= await this.exchangeToken()),
      refresh: async () => (this.token = await this.exchangeToken()),
    };
  }

  private get exclusionsUrl(): string {
    return `${this.urls.api}/organizations/${encodeURIComponent(this.config.organizationId)}/exclusion_sets/${encodeURIComponent(this.config.exclusionSetGuid)}/exclusions`;
  }

  /** XDR client-credentials token, exchanged for a Secure Endpoint token (see the file comment). */
  private async exchangeToken(): Promise<string> {
    const basic = Buffer.from(`${this.credentials.clientId}:${this.credentials.clientSecret}`).toString('base64');
    let xdr: { access_token?: unknown };
    try {
      xdr = await this.http.json<{ access_token?: unknown }>({
        method: 'POST',
        url: this.urls.token,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    } catch (err) {
      throw authError('XDR token', err);
    }
    if (typeof xdr?.access_token !== 'string') throw new ConnectorError('XDR token endpoint: no access_token in the answer', { retryable: false });
    let se: { access_token?: unknown };
    try {
      se = await this.http.json<{ access_token?: unknown }>({
        method: 'POST',
        url: `${this.urls.api}/access_tokens`,
        headers: { authorization: `Bearer ${xdr.access_token}` },
      });
    } catch (err) {
      throw authError('Secure Endpoint access token', err);
    }
    if (typeof se?.access_token !== 'string') throw new ConnectorError('POST /v3/access_tokens: no access_token in the answer', { retryable: false });
    return se.access_token;
  }

  /** Every exclusion of the set, page by page. */
  private async readAll(): Promise<Array<{ guid: string; body: CiscoConsoleExclusion }>> {
    const out: Array<{ guid: string; body: CiscoConsoleExclusion }> = [];
    let start = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.http.json<{ meta?: { size?: unknown; total?: unknown }; data?: unknown }>(
        { method: 'GET', url: `${this.exclusionsUrl}?size=${CISCO_PAGE_SIZE}&start=${start}` },
        this.auth,
      );
      if (!r || !Array.isArray(r.data) || typeof r.meta?.total !== 'number')
        throw new ConnectorError('GET exclusions: the answer is not {meta: {size, total}, data: [...]}', { retryable: false });
      for (const raw of r.data) {
        const x = readCiscoExclusion(raw);
        if (!x) throw new ConnectorError('GET exclusions: an exclusion without a guid', { retryable: false });
        out.push(x);
      }
      start += r.data.length;
      if (r.data.length === 0 || start >= r.meta.total) return out;
    }
    throw new ConnectorError(`GET exclusions: more than ${MAX_PAGES} pages`, { retryable: false });
  }

  async readOwned(ledger: readonly OwnedConsoleItem<CiscoConsoleExclusion>[]): Promise<OwnedRead<CiscoConsoleExclusion>> {
    const keyOf = new Map(ledger.map((l) => [l.consoleId, l.key]));
    const owned: OwnedConsoleItem<CiscoConsoleExclusion>[] = [];
    let humanMade = 0;
    for (const x of await this.readAll()) {
      const key = keyOf.get(x.guid);
      if (key === undefined) humanMade++;
      else owned.push({ key, consoleId: x.guid, body: x.body });
    }
    return { owned, humanMade };
  }

  /**
   * Removes first (a replaced form never stands next to its successor), then
   * adds. The new ledger is the unchanged items and the added ones; after a
   * failure, also the removals not yet done, so every item the hub created is
   * still known as its own.
   */
  async apply(plan: ConsolePlan<CiscoConsoleExclusion>): Promise<OwnedConsoleItem<CiscoConsoleExclusion>[]> {
    const added: OwnedConsoleItem<CiscoConsoleExclusion>[] = [];
    let pending = [...plan.remove];
    try {
      for (const r of plan.remove) {
        await this.remove(r.consoleId);
        pending = pending.filter((p) => p !== r);
      }
      for (const a of plan.add) added.push({ key: a.key, consoleId: await this.create(a.body), body: a.body });
    } catch (err) {
      const e = err instanceof ConnectorError ? err : new ConnectorError((err as Error).message, { retryable: true });
      e.ledger = [...plan.unchanged, ...pending, ...added];
      throw e;
    }
    return [...plan.unchanged, ...added];
  }

  private async create(body: CiscoConsoleExclusion): Promise<string> {
    const r = await this.http.json<{ data?: { guid?: unknown } }>(
      { method: 'POST', url: this.exclusionsUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      this.auth,
    );
    const guid = r?.data?.guid;
    if (typeof guid !== 'string' || !guid) throw new ConnectorError('POST exclusions: the answer carries no data.guid', { retryable: false });
    return guid;
  }

  private async remove(guid: string): Promise<void> {
    try {
      await this.http.call({ method: 'DELETE', url: `${this.exclusionsUrl}/${encodeURIComponent(guid)}` }, this.auth);
    } catch (err) {
      // Already gone (removed by hand): the goal of the call is reached.
      if (err instanceof ConnectorError && err.statusCode === 404) return;
      throw err;
    }
  }
}

/** A refused token request is a configuration problem (wrong client, revoked, missing integration): not retried. */
function authError(step: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) {
    const refused = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429;
    return new ConnectorError(`${step}: ${err.message}`, { retryable: refused ? false : err.retryable, statusCode: err.statusCode });
  }
  return new ConnectorError(`${step}: ${(err as Error).message}`, { retryable: true });
}
