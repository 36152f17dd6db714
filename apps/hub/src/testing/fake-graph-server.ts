import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsoleFaults, FakeTokens, bearerOf, readBody } from './fake-console-faults';
import { ConsoleRequest, fakeConsoleClient, serveFakeConsole } from './fake-console-server';

/**
 * A local stand-in for the Microsoft identity platform and Microsoft Graph
 * (beta) as the Intune connector uses them, enforcing what Microsoft documents:
 *  - POST /{tenant}/oauth2/v2.0/token, form-encoded client credentials with
 *    scope https://graph.microsoft.com/.default
 *    (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
 *    `{token_type, expires_in, ext_expires_in, access_token}`; errors as
 *    `{error, error_description, error_codes, timestamp, trace_id, correlation_id}`
 *    (invalid_client 401, unauthorized_client/invalid_request/invalid_scope 400).
 *  - Graph calls need the bearer token, unexpired (else 401 InvalidAuthenticationToken),
 *    and the app role DeviceManagementConfiguration.ReadWrite.All (else 403);
 *    errors are `{error: {code, message, innerError: {date, request-id, client-request-id}}}`
 *    (https://learn.microsoft.com/graph/errors); 429 carries Retry-After
 *    (https://learn.microsoft.com/graph/throttling).
 *  - /beta/deviceManagement/configurationPolicies: list (paged with
 *    @odata.nextLink, https://learn.microsoft.com/graph/paging), get, create
 *    (POST, 201 with the policy), replace (PUT with the whole policy, 204, as
 *    Microsoft365DSC's Update-IntuneDeviceConfigurationPolicy does), delete,
 *    and GET .../{id}/settings (paged). A body whose settings do not follow
 *    the template's exclusions collection (ids, option values, children) is a
 *    400 BadRequest naming what is wrong.
 * Tests reach in through `policies` (a person's hand edit), `faults`, `tokens`.
 */
export interface FakeGraphPolicy {
  id: string;
  name: string;
  description: string;
  platforms: string;
  technologies: string;
  roleScopeTagIds: string[];
  templateReference: { templateId: string };
  settings: Array<{ id: string; settingInstance: Record<string, unknown> }>;
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface FakeGraphServer {
  /** http://127.0.0.1:<port> (the login and Graph base URLs both). */
  origin: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  policies: Map<string, FakeGraphPolicy>;
  faults: ConsoleFaults;
  tokens: FakeTokens;
  /** Every request: method, path (with query) and the status answered, for assertions. */
  requests: ConsoleRequest[];
  /** Items per page of lists (small, so specs cross pages). */
  pageSize: number;
  /** Seconds a new token lives. */
  tokenTtlSeconds: number;
  /** Whether the app has DeviceManagementConfiguration.ReadWrite.All. */
  granted: boolean;
  /** A policy as a person would create it in the Intune admin center. */
  addPolicy(p: Partial<FakeGraphPolicy> & { name: string }): FakeGraphPolicy;
  close(): Promise<void>;
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const ROLE = 'DeviceManagementConfiguration.ReadWrite.All';
const GROUP = '#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance';
const CHOICE = '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance';
const SIMPLE = '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance';
const STRING = '#microsoft.graph.deviceManagementConfigurationStringSettingValue';
const SETTING = '#microsoft.graph.deviceManagementConfigurationSetting';

/** The two "Microsoft Defender Antivirus exclusions" templates and their collection ids. */
const TEMPLATES: Record<string, { platforms: string; collection: string }> = {
  '8a17a1e5-3df4-4e07-9d20-3878267a79b8_1': { platforms: 'linux', collection: 'linux_mdatp_managed_exclusionsettings_exclusions' },
  '43397174-2244-4006-b5ad-421b369e90d4_1': { platforms: 'macOS', collection: 'com.apple.managedclient.preferences_exclusions' },
};

export async function startFakeGraphServer(opts: { tenantId?: string; clientId?: string; clientSecret?: string } = {}): Promise<FakeGraphServer> {
  const client = fakeConsoleClient(opts.clientId ?? '0b7e4c2a-91f3-4d8e-a6b5-3c2d1e0f9a87', opts.clientSecret ?? 'graph~s3cret.value_0123456789', 3599);
  const state: Omit<FakeGraphServer, 'origin' | 'close'> = Object.assign(client, {
    tenantId: opts.tenantId ?? '5f1c2b9e-7a41-4c1d-9e0b-2f6a8d3c4b10',
    policies: new Map<string, FakeGraphPolicy>(),
    pageSize: 2,
    granted: true,
    addPolicy: (p: Partial<FakeGraphPolicy> & { name: string }): FakeGraphPolicy => {
      const now = new Date().toISOString();
      const policy: FakeGraphPolicy = {
        id: randomUUID(),
        description: '',
        platforms: 'linux',
        technologies: 'microsoftSense',
        roleScopeTagIds: ['0'],
        templateReference: { templateId: '8a17a1e5-3df4-4e07-9d20-3878267a79b8_1' },
        settings: [],
        createdDateTime: now,
        lastModifiedDateTime: now,
        ...p,
      };
      state.policies.set(policy.id, policy);
      return policy;
    },
  });

  return serveFakeConsole(state, handle, (res, err) => graphError(res, 500, 'InternalServerError', err.message));
}

async function handle(s: FakeGraphServer, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
  if (token) return tokenEndpoint(s, decodeURIComponent(token[1]!), req, res);

  s.tokens.countCall();
  const caller = s.tokens.valid(bearerOf(req));
  if (!caller)
    return graphError(res, 401, 'InvalidAuthenticationToken', bearerOf(req) ? 'Access token has expired or is not yet valid.' : 'Access token is empty.');
  if (!s.granted)
    return graphError(
      res,
      403,
      'Forbidden',
      `Application is not authorized to perform this operation. Application must have one of the following scopes: ${ROLE}`,
    );
  const faultBody = (status: number) => ({
    contentType: 'application/json',
    text: JSON.stringify(errorBody(status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', status === 429 ? 'Too many requests.' : 'Service unavailable.')),
  });
  if (s.faults.take(res, faultBody)) return;

  const base = '/beta/deviceManagement/configurationPolicies';
  const path = url.pathname;
  if (path === base && req.method === 'GET') return json(res, 200, page(s, url, [...s.policies.values()].map(policyView)));
  if (path === base && req.method === 'POST') {
    const body = await jsonBody(req, res);
    if (body === undefined) return;
    const problem = policyProblem(body);
    if (problem) return graphError(res, 400, 'BadRequest', problem);
    const b = body as Record<string, unknown>;
    const p = s.addPolicy({
      name: b.name as string,
      description: (b.description as string) ?? '',
      platforms: b.platforms as string,
      technologies: b.technologies as string,
      roleScopeTagIds: (b.roleScopeTagIds as string[]) ?? ['0'],
      templateReference: { templateId: (b.templateReference as { templateId: string }).templateId },
      settings: storedSettings(b.settings as Array<Record<string, unknown>>),
    });
    return json(res, 201, policyView(p));
  }
  const one = /^\/beta\/deviceManagement\/configurationPolicies\/([^/]+)(\/settings)?$/.exec(path);
  if (one) {
    const p = s.policies.get(decodeURIComponent(one[1]!));
    if (!p) return graphError(res, 404, 'NotFound', `Resource not found for the segment 'configurationPolicies'.`);
    if (one[2]) {
      if (req.method !== 'GET') return graphError(res, 405, 'BadRequest', 'No HTTP resource was found that matches the request URI.');
      return json(res, 200, page(s, url, p.settings));
    }
    if (req.method === 'GET') return json(res, 200, policyView(p));
    if (req.method === 'DELETE') {
      s.policies.delete(p.id);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT') {
      const body = await jsonBody(req, res);
      if (body === undefined) return;
      const problem = policyProblem(body);
      if (problem) return graphError(res, 400, 'BadRequest', problem);
      const b = body as Record<string, unknown>;
      if ((b.templateReference as { templateId: string }).templateId !== p.templateReference.templateId)
        return graphError(res, 400, 'BadRequest', 'The template of a policy cannot be changed.');
      Object.assign(p, {
        name: b.name,
        description: b.description ?? '',
        settings: storedSettings(b.settings as Array<Record<string, unknown>>),
        lastModifiedDateTime: new Date().toISOString(),
      });
      res.writeHead(204).end();
      return;
    }
  }
  return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`);
}

async function tokenEndpoint(s: FakeGraphServer, tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fail = (status: number, error: string, code: number, description: string) =>
    json(res, status, {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  if (req.method !== 'POST') return fail(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  const form = new URLSearchParams(await readBody(req));
  if (tenant !== s.tenantId) return fail(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
  if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  if (form.get('client_id') !== s.clientId)
    return fail(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
  if (form.get('scope') !== GRAPH_SCOPE) return fail(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid.`);
  if (form.get('client_secret') !== s.clientSecret) return fail(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  const t = s.tokens.issue(s.clientId);
  return json(res, 200, { token_type: 'Bearer', expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.token });
}

/** One page of `items` and, when more remain, @odata.nextLink (an opaque $skiptoken the client must follow as given). */
function page(s: FakeGraphServer, url: URL, items: unknown[]): Record<string, unknown> {
  const skip = Number(Buffer.from(url.searchParams.get('$skiptoken') ?? '', 'base64url').toString() || '0');
  const slice = items.slice(skip, skip + s.pageSize);
  const next = new URL(url);
  next.searchParams.set('$skiptoken', Buffer.from(String(skip + s.pageSize)).toString('base64url'));
  return {
    '@odata.context': `${s.origin}/beta/$metadata#collection`,
    value: slice,
    ...(skip + s.pageSize < items.length ? { '@odata.nextLink': next.toString() } : {}),
  };
}

function policyView(p: FakeGraphPolicy): Record<string, unknown> {
  const { settings, ...rest } = p;
  return { ...rest, settingCount: settings.length, templateReference: { ...p.templateReference, templateFamily: 'endpointSecurityAntivirus' } };
}

function storedSettings(settings: Array<Record<string, unknown>>): FakeGraphPolicy['settings'] {
  return settings.map((x, i) => ({ id: String(i), settingInstance: x.settingInstance as Record<string, unknown> }));
}

/** What is wrong with a create/replace body, or undefined. */
function policyProblem(body: unknown): string | undefined {
  if (!isObj(body)) return 'The request body must be a JSON object.';
  if (typeof body.name !== 'string' || body.name.trim() === '') return "Property 'name' is required.";
  if (body.description !== undefined && typeof body.description !== 'string') return "Property 'description' must be a string.";
  const templateId = isObj(body.templateReference) ? body.templateReference.templateId : undefined;
  const template = typeof templateId === 'string' ? TEMPLATES[templateId] : undefined;
  if (!template) return `Unknown templateReference.templateId ${JSON.stringify(templateId)}.`;
  if (body.platforms !== template.platforms) return `platforms must be '${template.platforms}' for this template.`;
  if (typeof body.technologies !== 'string' || !body.technologies.split(',').includes('microsoftSense')) return "technologies must include 'microsoftSense'.";
  if (!Array.isArray(body.settings)) return "Property 'settings' must be an array.";
  for (const [i, s] of body.settings.entries()) {
    if (!isObj(s) || s['@odata.type'] !== SETTING) return `settings[${i}]: @odata.type must be ${SETTING}.`;
    const why = collectionProblem(template.collection, s.settingInstance);
    if (why) return `settings[${i}]: ${why}`;
  }
  return undefined;
}

function collectionProblem(c: string, inst: unknown): string | undefined {
  if (!isObj(inst) || inst['@odata.type'] !== GROUP) return `settingInstance must be a ${GROUP}.`;
  if (inst.settingDefinitionId !== c) return `Setting definition ${JSON.stringify(inst.settingDefinitionId)} is not part of this template.`;
  const items = inst.groupSettingCollectionValue;
  if (!Array.isArray(items) || items.length === 0) return 'groupSettingCollectionValue must hold at least one item.';
  const options: Record<string, string[]> = {
    [`${c}_item_$type_0`]: [`${c}_item_path`, `${c}_item_isdirectory`],
    [`${c}_item_$type_1`]: [`${c}_item_extension`],
    [`${c}_item_$type_2`]: [`${c}_item_name`],
  };
  for (const [n, item] of items.entries()) {
    const where = `item ${n + 1}`;
    const children = isObj(item) ? item.children : undefined;
    if (!Array.isArray(children) || children.length !== 1) return `${where}: children must hold the one ${c}_item_$type choice.`;
    const choice = children[0];
    if (!isObj(choice) || choice['@odata.type'] !== CHOICE || choice.settingDefinitionId !== `${c}_item_$type`)
      return `${where}: expected the ${c}_item_$type choice.`;
    const value = isObj(choice.choiceSettingValue) ? choice.choiceSettingValue : undefined;
    const wanted = typeof value?.value === 'string' ? options[value.value] : undefined;
    if (!value || !wanted) return `${where}: ${JSON.stringify(value?.value)} is not an option of ${c}_item_$type.`;
    const kids = Array.isArray(value.children) ? value.children : [];
    const ids = kids.map((k) => (isObj(k) ? k.settingDefinitionId : undefined));
    if (ids.length !== wanted.length || wanted.some((w) => !ids.includes(w))) return `${where}: children must be exactly ${wanted.join(', ')}.`;
    for (const k of kids as Array<Record<string, unknown>>) {
      if (k.settingDefinitionId === `${c}_item_isdirectory`) {
        const v = isObj(k.choiceSettingValue) ? k.choiceSettingValue.value : undefined;
        if (k['@odata.type'] !== CHOICE || (v !== `${c}_item_isdirectory_true` && v !== `${c}_item_isdirectory_false`))
          return `${where}: ${c}_item_isdirectory must be a choice of _true or _false.`;
        continue;
      }
      const sv = isObj(k.simpleSettingValue) ? k.simpleSettingValue : undefined;
      if (k['@odata.type'] !== SIMPLE || sv?.['@odata.type'] !== STRING || typeof sv.value !== 'string' || sv.value === '')
        return `${where}: ${String(k.settingDefinitionId)} must be a simple setting with a non-empty string value.`;
    }
  }
  return undefined;
}

async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    graphError(res, 415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
    return undefined;
  }
  try {
    return JSON.parse(await readBody(req)) as unknown;
  } catch {
    graphError(res, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    return undefined;
  }
}

function errorBody(code: string, message: string) {
  return { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } };
}

function graphError(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, errorBody(code, message));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal' }).end(JSON.stringify(body));
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
