import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ConsolePlan,
  MdeConsoleEntry,
  OwnedConsoleItem,
  XmlSyntaxError,
  jamfProfileUpdateXml,
  jamfProfileXml,
  readJamfProfile,
  readJamfProfileId,
  readJamfProfileList,
  rewriteWdavExclusions,
  wdavExclusionsInOrder,
} from '@fleettune/exporters';
import { ConnectorHttp, withoutTrailingSlashes } from './connector-http';
import { keepAfterRemoving, mdeConsoleId, mdeDesiredItems, mdeObjectNameSchema, ownedMdeObjectName, ownedOf } from './mde-console-items';
import { ClientCredentials, ClientCredentialsToken, clientCredentialsSchema } from './oauth-client-credentials';
import { ConnectorError, OwnedRead, PolicyConsoleConnector, PolicyConsoleConnectorFactory } from './policy-console-connector';

/**
 * Jamf Pro: Defender for Endpoint on macOS exclusions as one macOS
 * configuration profile the hub creates and names `fleettune: <profileName>`,
 * carrying a com.microsoft.wdav payload (libs/exporters jamf-wdav-profile.ts).
 *  - Auth: an API client's credentials at POST /api/oauth/token (client_credentials,
 *    Jamf Pro 10.49+, https://developer.jamf.com/jamf-pro/docs/client-credentials);
 *    the API role needs Create, Read and Update macOS Configuration Profiles
 *    (https://developer.jamf.com/jamf-pro/docs/classic-api-minimum-required-privileges-and-endpoint-mapping).
 *  - Calls: the Classic API, XML (https://developer.jamf.com/jamf-pro/docs/classic-api-overview):
 *    GET /JSSResource/osxconfigurationprofiles, GET/PUT .../id/{id}, POST .../id/0.
 *    An update sends only `general` (name, description, payloads): the scope the
 *    Jamf admin gives the profile is never touched.
 * Ownership: only the profile with the exact name is read or written; inside
 * it an entry is the hub's when its last push's ledger lists it, and entries
 * (or other Defender settings) a person added there are kept as they are.
 */
const configSchema = z
  .object({
    /** https://<instance>.jamfcloud.com or an on-premises Jamf Pro URL. */
    url: z.string().url(),
    profileName: mdeObjectNameSchema,
  })
  .strict();

export type JamfConfig = z.infer<typeof configSchema>;

export const jamfConnector: PolicyConsoleConnectorFactory<JamfConfig, ClientCredentials, MdeConsoleEntry> = {
  kind: 'jamf',
  consoleName: 'Jamf Pro configuration profile',
  configSchema: configSchema as z.ZodType<JamfConfig>,
  credentialsSchema: clientCredentialsSchema,
  endpoints: (c) => [`${withoutTrailingSlashes(c.url)}/api/oauth/token`, `${withoutTrailingSlashes(c.url)}/JSSResource/osxconfigurationprofiles`],
  // Defender's com.microsoft.wdav domain is macOS's: Linux items have no place in a Jamf profile.
  desired: (items) => mdeDesiredItems(items, 'darwin'),
  create: ({ config, credentials, http }) => new JamfConnector(config, credentials, http),
};

const xmlHeaders = { accept: 'application/xml', 'content-type': 'application/xml' };

class JamfConnector implements PolicyConsoleConnector<MdeConsoleEntry> {
  private readonly auth: ClientCredentialsToken;
  private readonly base: string;

  constructor(
    private readonly config: JamfConfig,
    credentials: ClientCredentials,
    private readonly http: ConnectorHttp,
  ) {
    this.auth = new ClientCredentialsToken(http, `${withoutTrailingSlashes(config.url)}/api/oauth/token`, {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    });
    this.base = `${withoutTrailingSlashes(config.url)}/JSSResource/osxconfigurationprofiles`;
  }

  async readOwned(ledger: readonly OwnedConsoleItem<MdeConsoleEntry>[]): Promise<OwnedRead<MdeConsoleEntry>> {
    const id = await this.ourProfileId();
    if (id === undefined) return { owned: [], humanMade: 0 };
    const p = await this.profile(id);
    return ownedOf(id, p, ledger);
  }

  async apply(plan: ConsolePlan<MdeConsoleEntry>, ledger: readonly OwnedConsoleItem<MdeConsoleEntry>[]): Promise<OwnedConsoleItem<MdeConsoleEntry>[]> {
    const before = [...ledger];
    const name = ownedMdeObjectName(this.config.profileName);
    try {
      let id = await this.ourProfileId();
      if (id === undefined) {
        const body = jamfProfileXml(
          {
            name,
            description: DESCRIPTION,
            profileUuid: uuidFrom(`${this.config.url}\u0000${name}\u0000profile`),
            payloadUuid: uuidFrom(`${this.config.url}\u0000${name}\u0000wdav`),
            identifier: `com.fleettune.defender-exclusions.${createHash('sha256').update(name).digest('hex').slice(0, 12)}`,
          },
          plan.add.map((a) => a.body),
        );
        const answer = await this.http.call({ method: 'POST', url: `${this.base}/id/0`, headers: xmlHeaders, body }, this.auth);
        id = parsed(() => readJamfProfileId(answer.text), 'create answer');
        if (id === undefined) throw new ConnectorError('Jamf created the profile but answered without its id', { retryable: false });
        const created = id;
        return plan.add.map((a) => ({ key: a.key, body: a.body, consoleId: mdeConsoleId(created, a.body) }));
      }
      const current = await this.profile(id);
      const profileId = id;
      const ids = parsed(() => wdavExclusionsInOrder(current.payloads), 'profile payloads').map((e) => (e ? mdeConsoleId(profileId, e) : undefined));
      const keep = keepAfterRemoving(ids, plan.remove);
      const present = new Set(ids.filter((x, i) => keep[i] && x !== undefined));
      // An entry already in the profile (added by hand) is not written twice: the hub takes it as its own.
      const toAdd = plan.add.filter((a) => !present.has(mdeConsoleId(profileId, a.body)));
      const payloads = parsed(
        () =>
          rewriteWdavExclusions(
            current.payloads,
            (_e, i) => keep[i] !== false,
            toAdd.map((a) => a.body),
            { uuid: uuidFrom(`${this.config.url}\u0000${name}\u0000wdav`), identifier: `com.fleettune.defender-exclusions.${profileId}.wdav` },
          ),
        'profile payloads',
      );
      await this.http.call(
        { method: 'PUT', url: `${this.base}/id/${profileId}`, headers: xmlHeaders, body: jamfProfileUpdateXml(current.name, current.description, payloads) },
        this.auth,
      );
      return [...plan.unchanged, ...plan.add.map((a) => ({ key: a.key, body: a.body, consoleId: mdeConsoleId(profileId, a.body) }))];
    } catch (err) {
      if (err instanceof ConnectorError) err.ledger = before;
      throw err;
    }
  }

  /** The id of the one profile named `fleettune: <profileName>`; two with that name are refused. */
  private async ourProfileId(): Promise<number | undefined> {
    const name = ownedMdeObjectName(this.config.profileName);
    const answer = await this.http.call({ method: 'GET', url: this.base, headers: { accept: 'application/xml' } }, this.auth);
    const mine = parsed(() => readJamfProfileList(answer.text), 'profile list').filter((p) => p.name === name);
    if (mine.length > 1) throw new ConnectorError(`${mine.length} Jamf profiles are named "${name}"; rename or delete all but the hub's`, { retryable: false });
    return mine[0]?.id;
  }

  private async profile(id: number) {
    const answer = await this.http.call({ method: 'GET', url: `${this.base}/id/${id}`, headers: { accept: 'application/xml' } }, this.auth);
    return parsed(() => readJamfProfile(answer.text), 'profile');
  }
}

const DESCRIPTION =
  'Managed by fleettune: Defender exclusions approved in fleettune. Entries added here by hand are kept; edit the approved set in fleettune instead.';

/** A Jamf answer that is not the XML the Classic API documents fails the push (not retried: it will not parse next time either). */
function parsed<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new ConnectorError(`Jamf answered a ${what} that is not readable XML: ${err.message}`, { retryable: false });
    throw err;
  }
}

/** A stable RFC 4122-shaped UUID from a name (the same target gets the same profile UUID: an update replaces the installed profile). */
function uuidFrom(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`.toUpperCase();
}
