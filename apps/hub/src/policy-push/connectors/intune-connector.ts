import { z } from 'zod';
import {
  ConsolePlan,
  IntunePlatform,
  INTUNE_EXCLUSION_TEMPLATES,
  MdeConsoleEntry,
  OwnedConsoleItem,
  intuneExclusionSetting,
  intunePolicyCreateBody,
  readIntuneExclusions,
  intuneExclusionSettingInstance,
} from '@fleettune/exporters';
import { ConnectorHttp, withoutTrailingSlashes } from './connector-http';
import { keepAfterRemoving, mdeConsoleId, mdeDesiredItems, mdeObjectNameSchema, ownedMdeObjectName, ownedOf } from './mde-console-items';
import { ClientCredentials, ClientCredentialsToken, clientCredentialsSchema } from './oauth-client-credentials';
import { ConnectorError, OwnedRead, PolicyConsoleConnector, PolicyConsoleConnectorFactory } from './policy-console-connector';

/**
 * Microsoft Intune through Microsoft Graph: Defender for Endpoint antivirus
 * exclusions of Linux or macOS devices, as the exclusions setting of one
 * endpoint-security configuration policy the hub creates and names
 * `fleettune: <policyName>` (payload shape: libs/exporters intune-defender-exclusions.ts).
 *  - Auth: OAuth client credentials at login.microsoftonline.com/{tenant}/oauth2/v2.0/token,
 *    scope https://graph.microsoft.com/.default
 *    (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow);
 *    the app registration needs the application permission
 *    DeviceManagementConfiguration.ReadWrite.All, admin-consented
 *    (https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationpolicy-create?view=graph-rest-beta).
 *  - Calls: GET /beta/deviceManagement/configurationPolicies (following
 *    @odata.nextLink, https://learn.microsoft.com/graph/paging), GET .../{id}/settings,
 *    POST .../configurationPolicies to create, PUT .../{id} with the whole
 *    policy to replace its settings (as Microsoft365DSC's
 *    Update-IntuneDeviceConfigurationPolicy does; the documented PATCH updates
 *    the policy's properties, not its settings). 429 and 5xx retried by ConnectorHttp
 *    (https://learn.microsoft.com/graph/throttling).
 * Ownership: the hub touches only the policy with its exact name (a policy a
 * person made is never read or written). Inside it, an entry is the hub's when
 * the ledger of its last push lists it; entries a person added there are kept
 * as they are (counted as human-made), and every other setting of the policy
 * is sent back unchanged.
 */
const configSchema = z
  .object({
    tenantId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'a tenant id (GUID) or verified domain'),
    platform: z.enum(['linux', 'darwin']),
    policyName: mdeObjectNameSchema,
    /** National clouds and tests: https://learn.microsoft.com/graph/deployments */
    loginUrl: z.string().url().default('https://login.microsoftonline.com'),
    graphUrl: z.string().url().default('https://graph.microsoft.com'),
  })
  .strict();

export type IntuneConfig = z.infer<typeof configSchema>;

export const intuneConnector: PolicyConsoleConnectorFactory<IntuneConfig, ClientCredentials, MdeConsoleEntry> = {
  kind: 'intune',
  consoleName: 'Intune configuration policy',
  configSchema: configSchema as z.ZodType<IntuneConfig>,
  credentialsSchema: clientCredentialsSchema,
  endpoints: (c) => [tokenUrl(c), `${withoutTrailingSlashes(c.graphUrl)}/beta/deviceManagement/configurationPolicies`],
  desired: (items, c) => mdeDesiredItems(items, c.platform),
  create: ({ config, credentials, http }) => new IntuneConnector(config, credentials, http),
};

function tokenUrl(c: IntuneConfig): string {
  return `${withoutTrailingSlashes(c.loginUrl)}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`;
}

interface GraphPolicy {
  id: string;
  name: string;
  description?: string;
  platforms: string;
  technologies: string;
  roleScopeTagIds?: string[];
  templateReference?: { templateId?: string };
}

interface GraphSetting {
  id?: string;
  settingInstance?: Record<string, unknown>;
}

class IntuneConnector implements PolicyConsoleConnector<MdeConsoleEntry> {
  private readonly auth: ClientCredentialsToken;
  private readonly base: string;
  private readonly platform: IntunePlatform;

  constructor(
    private readonly config: IntuneConfig,
    credentials: ClientCredentials,
    private readonly http: ConnectorHttp,
  ) {
    this.auth = new ClientCredentialsToken(http, tokenUrl(config), {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    this.base = `${withoutTrailingSlashes(config.graphUrl)}/beta/deviceManagement/configurationPolicies`;
    this.platform = config.platform;
  }

  async readOwned(ledger: readonly OwnedConsoleItem<MdeConsoleEntry>[]): Promise<OwnedRead<MdeConsoleEntry>> {
    const found = await this.ourPolicy();
    if (!found) return { owned: [], humanMade: 0 };
    const settings = await this.pages<GraphSetting>(`${this.base}/${encodeURIComponent(found.id)}/settings`);
    return ownedOf(found.id, readIntuneExclusions(this.platform, settings), ledger);
  }

  async apply(plan: ConsolePlan<MdeConsoleEntry>, ledger: readonly OwnedConsoleItem<MdeConsoleEntry>[]): Promise<OwnedConsoleItem<MdeConsoleEntry>[]> {
    const before = [...ledger];
    try {
      const found = await this.ourPolicy();
      if (!found) {
        const body = intunePolicyCreateBody(
          this.platform,
          ownedMdeObjectName(this.config.policyName),
          description(),
          plan.add.map((a) => a.body),
        );
        const created = await this.http.json<GraphPolicy>({ method: 'POST', url: this.base, headers: json, body: JSON.stringify(body) }, this.auth);
        if (!created?.id) throw new ConnectorError('Graph created the policy but answered without its id', { retryable: false });
        return plan.add.map((a) => ({ key: a.key, body: a.body, consoleId: mdeConsoleId(created.id, a.body) }));
      }
      const settings = await this.pages<GraphSetting>(`${this.base}/${encodeURIComponent(found.id)}/settings`);
      const collectionId = INTUNE_EXCLUSION_TEMPLATES[this.platform].collectionId;
      const idOf = (raw: unknown) => {
        const entry = readIntuneExclusions(this.platform, [wrap(collectionId, [raw])]).entries[0];
        return entry ? mdeConsoleId(found.id, entry) : undefined;
      };
      // The collection's items as Graph holds them, minus the ones the plan removes: a person's entries (even unreadable ones) stay byte for byte.
      const raw = collectionItems(settings, collectionId);
      const ids = raw.map(idOf);
      const keep = keepAfterRemoving(ids, plan.remove);
      const rawItems = raw.filter((_, i) => keep[i]);
      const present = new Set(ids.filter((id, i) => keep[i] && id !== undefined));
      // An entry already in the policy (added by hand) is not written twice: the hub takes it as its own.
      const toAdd = plan.add.filter((a) => !present.has(mdeConsoleId(found.id, a.body)));
      const newItems = [
        ...rawItems,
        ...(intuneExclusionSettingInstance(
          this.platform,
          toAdd.map((a) => a.body),
        ).groupSettingCollectionValue as unknown[]),
      ];
      const others = settings.filter((s) => s.settingInstance?.settingDefinitionId !== collectionId);
      const body = {
        name: found.name,
        description: found.description ?? '',
        platforms: found.platforms,
        technologies: found.technologies,
        roleScopeTagIds: found.roleScopeTagIds ?? ['0'],
        templateReference: { templateId: found.templateReference?.templateId },
        settings: [
          ...others.map((s) => ({ '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting', settingInstance: s.settingInstance })),
          ...(newItems.length ? [{ ...intuneExclusionSetting(this.platform, []), settingInstance: wrap(collectionId, newItems).settingInstance }] : []),
        ],
      };
      await this.http.call({ method: 'PUT', url: `${this.base}/${encodeURIComponent(found.id)}`, headers: json, body: JSON.stringify(body) }, this.auth);
      return [...plan.unchanged, ...plan.add.map((a) => ({ key: a.key, body: a.body, consoleId: mdeConsoleId(found.id, a.body) }))];
    } catch (err) {
      if (err instanceof ConnectorError) err.ledger = before;
      throw err;
    }
  }

  /**
   * The one policy the hub manages: the exact name `fleettune: <policyName>`
   * on this platform's exclusions template (a Linux and a macOS target may
   * share a name). Two such policies are refused: the hub will not guess
   * which is its own.
   */
  private async ourPolicy(): Promise<GraphPolicy | undefined> {
    const name = ownedMdeObjectName(this.config.policyName);
    const templateId = INTUNE_EXCLUSION_TEMPLATES[this.platform].templateId;
    const all = await this.pages<GraphPolicy>(this.base);
    const mine = all.filter((p) => p?.name === name && p.templateReference?.templateId === templateId);
    if (mine.length > 1)
      throw new ConnectorError(`${mine.length} Intune ${this.platform} exclusions policies are named "${name}"; rename or delete all but the hub's`, {
        retryable: false,
      });
    return mine[0];
  }

  /** Every `value[]` of a Graph list, following @odata.nextLink (bounded: a console never has a thousand pages of these). */
  private async pages<T>(first: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = first;
    for (let n = 0; next; n++) {
      if (n >= 1000) throw new ConnectorError(`${first}: more than 1000 pages`, { retryable: false });
      const url: string = next;
      // A nextLink is followed only to the Graph host the target is configured for.
      if (new URL(url).origin !== new URL(this.base).origin)
        throw new ConnectorError(`Graph answered a nextLink to another host (${new URL(url).origin})`, { retryable: false });
      const page = await this.http.json<{ value?: unknown; '@odata.nextLink'?: unknown }>({ method: 'GET', url }, this.auth);
      if (!Array.isArray(page?.value)) throw new ConnectorError(`GET ${new URL(url).pathname}: the answer has no value[]`, { retryable: false });
      out.push(...(page.value as T[]));
      next = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
    }
    return out;
  }
}

const json = { 'content-type': 'application/json' };

function description(): string {
  return 'Managed by fleettune: Defender exclusions approved in fleettune. Entries added here by hand are kept; edit the approved set in fleettune instead.';
}

function collectionItems(settings: readonly GraphSetting[], collectionId: string): unknown[] {
  const inst = settings.find((s) => s.settingInstance?.settingDefinitionId === collectionId)?.settingInstance;
  const items = inst?.groupSettingCollectionValue;
  return Array.isArray(items) ? items : [];
}

function wrap(collectionId: string, items: unknown[]): GraphSetting {
  return {
    settingInstance: {
      '@odata.type': '#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance',
      settingDefinitionId: collectionId,
      groupSettingCollectionValue: items,
    },
  };
}
