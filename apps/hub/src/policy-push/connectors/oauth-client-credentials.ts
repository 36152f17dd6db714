import { z } from 'zod';
import { ConnectorHttp, BearerAuth } from './connector-http';
import { ConnectorError } from './policy-console-connector';

/** The API client a vendor issues for client-credentials grants (an Entra app registration, a Jamf Pro API client). */
export const clientCredentialsSchema = z.object({ clientId: z.string().min(1).max(200), clientSecret: z.string().min(1).max(1000) }).strict();
export type ClientCredentials = z.infer<typeof clientCredentialsSchema>;

/**
 * An OAuth 2.0 client-credentials token (RFC 6749 §4.4) from a vendor's token
 * endpoint: POSTed form-encoded, cached until shortly before `expires_in`,
 * fetched again on `refresh` (the API answered 401: expired or revoked).
 * Used by the Intune connector (Microsoft identity platform) and the Jamf
 * connector (Jamf Pro API clients).
 */
export class ClientCredentialsToken implements BearerAuth {
  private cached?: { token: string; until: number };

  constructor(
    private readonly http: ConnectorHttp,
    private readonly tokenUrl: string,
    /** The form fields: grant_type=client_credentials is added. */
    private readonly fields: Record<string, string>,
  ) {}

  async token(): Promise<string> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.token;
    return this.refresh();
  }

  async refresh(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...this.fields }).toString();
    let answer: unknown;
    try {
      answer = await this.http.json({ method: 'POST', url: this.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    } catch (err) {
      // A refused client (400/401 from the token endpoint) is a configuration problem: retrying will not fix it.
      if (err instanceof ConnectorError && err.statusCode !== undefined && err.statusCode < 500 && err.statusCode !== 429)
        throw new ConnectorError(`token endpoint refused the client credentials: ${err.message}`, { retryable: false, statusCode: err.statusCode });
      throw err;
    }
    const a = answer as { access_token?: unknown; expires_in?: unknown; token_type?: unknown } | undefined;
    if (typeof a?.access_token !== 'string' || a.access_token === '')
      throw new ConnectorError(`token endpoint ${new URL(this.tokenUrl).pathname} answered without an access_token`, { retryable: false });
    if (typeof a.token_type === 'string' && a.token_type.toLowerCase() !== 'bearer')
      throw new ConnectorError(`token endpoint answered a ${a.token_type} token, not Bearer`, { retryable: false });
    const seconds = typeof a.expires_in === 'number' && a.expires_in > 0 ? a.expires_in : 300;
    // Renew a minute early (or at half the life of a short token) so a call never starts with a token about to expire.
    this.cached = { token: a.access_token, until: Date.now() + Math.max(seconds * 500, (seconds - 60) * 1000) };
    return a.access_token;
  }
}
