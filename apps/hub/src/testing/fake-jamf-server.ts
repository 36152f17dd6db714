import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePlist, parseXml, xmlChild, xmlEscape, XmlElement } from '@fleettune/exporters';
import { ConsoleFaults, FakeTokens, bearerOf, readBody } from './fake-console-faults';
import { ConsoleRequest, fakeConsoleClient, serveFakeConsole } from './fake-console-server';

/**
 * A local stand-in for a Jamf Pro server as the Jamf connector uses it,
 * enforcing what Jamf documents:
 *  - POST /api/oauth/token, form-encoded `grant_type=client_credentials`,
 *    `client_id`, `client_secret` (https://developer.jamf.com/jamf-pro/docs/client-credentials):
 *    `{access_token, scope, token_type: "Bearer", expires_in}`; a wrong client is 401.
 *  - Classic API (https://developer.jamf.com/jamf-pro/docs/classic-api-overview)
 *    with the bearer token (an expired one is 401 with Jamf's HTML status page),
 *    XML in and out; the API role's privileges per method (Create/Read/Update/Delete
 *    macOS Configuration Profiles, else 403):
 *    GET /JSSResource/osxconfigurationprofiles (`<os_x_configuration_profiles><size/>`
 *    `<os_x_configuration_profile><id/><name/>`...), GET/PUT/DELETE .../id/{id},
 *    POST .../id/0 (201 `<os_x_configuration_profile><id>N</id>`); a duplicate
 *    name is 409 "Error: Duplicate name", a body that is not the profile XML or
 *    whose `<payloads>` is not a configuration profile plist is 409 / 400 with
 *    Jamf's HTML error page.
 * Tests reach in through `profiles` (a person's hand edit), `faults`, `tokens`.
 */
export interface FakeJamfProfile {
  id: number;
  name: string;
  description: string;
  /** The configuration profile plist, as text. */
  payloads: string;
  /** The scope the Jamf admin set (the connector must leave it alone). */
  scopeXml: string;
}

export interface FakeJamfServer {
  origin: string;
  clientId: string;
  clientSecret: string;
  profiles: Map<number, FakeJamfProfile>;
  faults: ConsoleFaults;
  tokens: FakeTokens;
  requests: ConsoleRequest[];
  tokenTtlSeconds: number;
  /** The API role's privileges. */
  privileges: Set<string>;
  addProfile(p: Omit<FakeJamfProfile, 'id' | 'scopeXml'> & { scopeXml?: string }): FakeJamfProfile;
  close(): Promise<void>;
}

export const JAMF_PROFILE_PRIVILEGES = [
  'Create macOS Configuration Profiles',
  'Read macOS Configuration Profiles',
  'Update macOS Configuration Profiles',
  'Delete macOS Configuration Profiles',
];

export async function startFakeJamfServer(opts: { clientId?: string; clientSecret?: string } = {}): Promise<FakeJamfServer> {
  let nextId = 1;
  const client = fakeConsoleClient(opts.clientId ?? '6a1d6f0e-5f5c-4b8e-9d4b-0c1f2e3d4a5b', opts.clientSecret ?? 'jamf-s3cret-Q1w2E3r4T5y6', 1799);
  const state: Omit<FakeJamfServer, 'origin' | 'close'> = Object.assign(client, {
    profiles: new Map<number, FakeJamfProfile>(),
    privileges: new Set(JAMF_PROFILE_PRIVILEGES),
    addProfile: (p: Omit<FakeJamfProfile, 'id' | 'scopeXml'> & { scopeXml?: string }): FakeJamfProfile => {
      const profile: FakeJamfProfile = { id: nextId++, scopeXml: '<scope><all_computers>false</all_computers></scope>', ...p };
      state.profiles.set(profile.id, profile);
      return profile;
    },
  });
  return serveFakeConsole(state, handle, (res, err) => htmlError(res, 500, 'Internal Server Error', err.message));
}

async function handle(s: FakeJamfServer, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname === '/api/oauth/token') return tokenEndpoint(s, req, res);
  if (!url.pathname.startsWith('/JSSResource/')) return htmlError(res, 404, 'Not Found', 'The server has not found anything matching the request URI');
  s.tokens.countCall();
  if (!s.tokens.valid(bearerOf(req))) return htmlError(res, 401, 'Unauthorized', 'The request requires user authentication');
  const accept = req.headers.accept ?? '';
  if (!/(application|text)\/xml|\*\/\*/.test(accept))
    return htmlError(res, 406, 'Not Acceptable', 'This fake Classic API answers XML only (Accept: application/xml)');
  if (s.faults.take(res, (status) => ({ contentType: 'text/html', text: page(status, status === 429 ? 'Too Many Requests' : 'Service Unavailable', '') })))
    return;

  const need = { GET: 'Read', POST: 'Create', PUT: 'Update', DELETE: 'Delete' }[req.method ?? ''] ?? 'Read';
  if (!s.privileges.has(`${need} macOS Configuration Profiles`))
    return htmlError(res, 403, 'Forbidden', 'The server understood the request, but is refusing to fulfill it');

  if (url.pathname === '/JSSResource/osxconfigurationprofiles' && req.method === 'GET') {
    const rows = [...s.profiles.values()].map(
      (p) => `<os_x_configuration_profile><id>${p.id}</id><name>${xmlEscape(p.name)}</name></os_x_configuration_profile>`,
    );
    return xml(res, 200, `<os_x_configuration_profiles><size>${rows.length}</size>${rows.join('')}</os_x_configuration_profiles>`);
  }
  const m = /^\/JSSResource\/osxconfigurationprofiles\/id\/(\d+)$/.exec(url.pathname);
  if (!m) return htmlError(res, 404, 'Not Found', 'The server has not found anything matching the request URI');
  const id = Number(m[1]);
  if (req.method === 'POST') {
    if (id !== 0 && s.profiles.has(id)) return htmlError(res, 409, 'Conflict', 'Error: Duplicate id');
    const body = await profileBody(req, res);
    if (!body) return;
    if (!body.name) return htmlError(res, 409, 'Conflict', 'Error: Name is required');
    if ([...s.profiles.values()].some((p) => p.name === body.name)) return htmlError(res, 409, 'Conflict', 'Error: Duplicate name');
    const p = s.addProfile({ name: body.name, description: body.description ?? '', payloads: body.payloads ?? '' });
    return xml(res, 201, `<os_x_configuration_profile><id>${p.id}</id></os_x_configuration_profile>`);
  }
  const p = s.profiles.get(id);
  if (!p) return htmlError(res, 404, 'Not Found', 'The server has not found anything matching the request URI');
  if (req.method === 'GET')
    return xml(
      res,
      200,
      `<os_x_configuration_profile><general><id>${p.id}</id><name>${xmlEscape(p.name)}</name><description>${xmlEscape(p.description)}</description><distribution_method>Install Automatically</distribution_method><user_removable>false</user_removable><level>System</level><redeploy_on_update>Newly Assigned</redeploy_on_update><payloads>${xmlEscape(p.payloads)}</payloads></general>${p.scopeXml}</os_x_configuration_profile>`,
    );
  if (req.method === 'DELETE') {
    s.profiles.delete(id);
    return xml(res, 200, `<os_x_configuration_profile><id>${id}</id></os_x_configuration_profile>`);
  }
  if (req.method === 'PUT') {
    const body = await profileBody(req, res);
    if (!body) return;
    if (body.name !== undefined) {
      if (!body.name) return htmlError(res, 409, 'Conflict', 'Error: Name is required');
      if ([...s.profiles.values()].some((o) => o.id !== id && o.name === body.name)) return htmlError(res, 409, 'Conflict', 'Error: Duplicate name');
      p.name = body.name;
    }
    if (body.description !== undefined) p.description = body.description;
    if (body.payloads !== undefined) p.payloads = body.payloads;
    return xml(res, 201, `<os_x_configuration_profile><id>${id}</id></os_x_configuration_profile>`);
  }
  return htmlError(res, 405, 'Method Not Allowed', 'The method specified in the request is not allowed');
}

async function tokenEndpoint(s: FakeJamfServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return json(res, 405, { httpStatus: 405, errors: [{ code: 'METHOD_NOT_ALLOWED', description: 'POST only' }] });
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return json(res, 400, { error: 'invalid_request', error_description: 'form-encoded body required' });
  const form = new URLSearchParams(await readBody(req));
  if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
  if (form.get('client_id') !== s.clientId || form.get('client_secret') !== s.clientSecret) return json(res, 401, { error: 'invalid_client' });
  const t = s.tokens.issue(s.clientId);
  return json(res, 200, { access_token: t.token, scope: 'api-role:1', token_type: 'Bearer', expires_in: t.expiresIn });
}

/** The `general` fields of a create/update body; answers the error itself and returns undefined when the body is refused. */
async function profileBody(req: IncomingMessage, res: ServerResponse): Promise<{ name?: string; description?: string; payloads?: string } | undefined> {
  if (!/^(application|text)\/xml/.test(req.headers['content-type'] ?? '')) {
    htmlError(
      res,
      415,
      'Unsupported Media Type',
      'The server is refusing to service the request because the entity of the request is in a format not supported',
    );
    return undefined;
  }
  let root: XmlElement;
  try {
    root = parseXml(await readBody(req));
  } catch (err) {
    htmlError(res, 400, 'Bad Request', `Unable to parse XML: ${(err as Error).message}`);
    return undefined;
  }
  if (root.name !== 'os_x_configuration_profile') {
    htmlError(res, 409, 'Conflict', `Error: Unable to create object: expected os_x_configuration_profile, got ${root.name}`);
    return undefined;
  }
  const general = xmlChild(root, 'general');
  const payloadsEl = xmlChild(general, 'payloads');
  if (payloadsEl) {
    const problem = payloadProblem(payloadsEl.text);
    if (problem) {
      htmlError(res, 409, 'Conflict', `Error: Problem with payload: ${problem}`);
      return undefined;
    }
  }
  return { name: xmlChild(general, 'name')?.text, description: xmlChild(general, 'description')?.text, payloads: payloadsEl?.text };
}

/** A Configuration profile: PayloadType Configuration, a PayloadUUID and PayloadIdentifier, each payload typed and identified. */
function payloadProblem(text: string): string | undefined {
  let v: unknown;
  try {
    v = parsePlist(text);
  } catch (err) {
    return `not a property list (${(err as Error).message})`;
  }
  const d = v as Record<string, unknown>;
  if (!d || typeof d !== 'object' || d.PayloadType !== 'Configuration') return 'PayloadType must be Configuration';
  for (const k of ['PayloadUUID', 'PayloadIdentifier']) if (typeof d[k] !== 'string' || !d[k]) return `${k} is required`;
  if (!Array.isArray(d.PayloadContent)) return 'PayloadContent must be an array';
  for (const p of d.PayloadContent as Array<Record<string, unknown>>)
    for (const k of ['PayloadType', 'PayloadUUID', 'PayloadIdentifier']) if (typeof p?.[k] !== 'string' || !p[k]) return `every payload needs ${k}`;
  return undefined;
}

function page(status: number, title: string, detail: string): string {
  return `<html><head><title>Status page</title></head><body style="font-family: sans-serif;"><p style="font-size: 1.2em;font-weight: bold;margin: 1em 0px;">${xmlEscape(title)}</p><p>${xmlEscape(detail)}</p><p>You can get technical details <a href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.${Math.floor(status / 100)}">here</a>.</p></body></html>`;
}

function htmlError(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'text/html;charset=UTF-8' }).end(page(status, title, detail));
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml;charset=UTF-8' }).end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
