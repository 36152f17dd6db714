import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { intunePolicyCreateBody, jamfProfileXml, readJamfProfile } from '@fleettune/exporters';
import { FakeGraphServer, GRAPH_SCOPE, startFakeGraphServer } from './fake-graph-server';
import { FakeJamfServer, startFakeJamfServer } from './fake-jamf-server';

// The fake consoles the Intune and Jamf contract specs run against must refuse what the vendors refuse (issue 14 item 3).
let graph: FakeGraphServer;
let jamf: FakeJamfServer;
before(async () => {
  graph = await startFakeGraphServer();
  jamf = await startFakeJamfServer();
});
after(async () => {
  await graph?.close();
  await jamf?.close();
});

const form = (o: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
});

async function graphToken(): Promise<string> {
  const r = await fetch(
    `${graph.origin}/${graph.tenantId}/oauth2/v2.0/token`,
    form({ grant_type: 'client_credentials', client_id: graph.clientId, client_secret: graph.clientSecret, scope: GRAPH_SCOPE }),
  );
  assert.equal(r.status, 200);
  const body = (await r.json()) as { token_type: string; access_token: string; expires_in: number };
  assert.equal(body.token_type, 'Bearer');
  return body.access_token;
}

test('Graph fake: client credentials checked with the identity platform error shape; expired tokens are 401 InvalidAuthenticationToken', async () => {
  const bad = await fetch(
    `${graph.origin}/${graph.tenantId}/oauth2/v2.0/token`,
    form({ grant_type: 'client_credentials', client_id: graph.clientId, client_secret: 'nope', scope: GRAPH_SCOPE }),
  );
  assert.equal(bad.status, 401);
  const err = (await bad.json()) as { error: string; error_codes: number[] };
  assert.equal(err.error, 'invalid_client');
  assert.deepEqual(err.error_codes, [7000215]);
  const scope = await fetch(
    `${graph.origin}/${graph.tenantId}/oauth2/v2.0/token`,
    form({
      grant_type: 'client_credentials',
      client_id: graph.clientId,
      client_secret: graph.clientSecret,
      scope: 'https://graph.microsoft.com/DeviceManagementConfiguration.ReadWrite.All',
    }),
  );
  assert.equal(((await scope.json()) as { error: string }).error, 'invalid_scope');
  const token = await graphToken();
  const list = `${graph.origin}/beta/deviceManagement/configurationPolicies`;
  assert.equal((await fetch(list, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  graph.tokens.expireAll();
  const expired = await fetch(list, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(expired.status, 401);
  assert.equal(((await expired.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
});

test('Graph fake: malformed policies are 400 BadRequest naming the problem; lists page with @odata.nextLink; 429 carries Retry-After', async () => {
  const token = await graphToken();
  const post = (body: unknown) =>
    fetch(`${graph.origin}/beta/deviceManagement/configurationPolicies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const good = intunePolicyCreateBody('linux', 'fleettune: t', '', [{ $type: 'excludedFileExtension', extension: '.pcap' }]);
  const wrongOption = JSON.parse(JSON.stringify(good).replace('_item_$type_1', '_item_$type_7')) as unknown;
  const r = await post(wrongOption);
  assert.equal(r.status, 400);
  const e = (await r.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
  assert.equal(e.error.code, 'BadRequest');
  assert.match(e.error.message, /is not an option/);
  assert.ok(e.error.innerError['request-id']);
  assert.equal((await post({ ...good, platforms: 'macOS' })).status, 400);
  for (let i = 0; i < 5; i++) assert.equal((await post({ ...good, name: `p${i}` })).status, 201);
  const seen: string[] = [];
  let next: string | undefined = `${graph.origin}/beta/deviceManagement/configurationPolicies`;
  while (next) {
    const page = (await (await fetch(next, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      value: Array<{ name: string }>;
      '@odata.nextLink'?: string;
    };
    assert.ok(page.value.length <= graph.pageSize);
    seen.push(...page.value.map((p) => p.name));
    next = page['@odata.nextLink'];
  }
  assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4']);
  graph.faults.throttleNext(1, 3);
  const throttled = await fetch(`${graph.origin}/beta/deviceManagement/configurationPolicies`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '3');
});

test('Jamf fake: client credentials, XML only, duplicate names refused, payloads must be a configuration profile, expired token 401', async () => {
  const bad = await fetch(`${jamf.origin}/api/oauth/token`, form({ grant_type: 'client_credentials', client_id: jamf.clientId, client_secret: 'x' }));
  assert.equal(bad.status, 401);
  const t = (await (
    await fetch(`${jamf.origin}/api/oauth/token`, form({ grant_type: 'client_credentials', client_id: jamf.clientId, client_secret: jamf.clientSecret }))
  ).json()) as { access_token: string };
  const h = { authorization: `Bearer ${t.access_token}`, accept: 'application/xml', 'content-type': 'application/xml' };
  const id = { name: 'fleettune: mac', description: 'd', profileUuid: 'U1', payloadUuid: 'U2', identifier: 'com.fleettune.x' };
  const created = await fetch(`${jamf.origin}/JSSResource/osxconfigurationprofiles/id/0`, {
    method: 'POST',
    headers: h,
    body: jamfProfileXml(id, [{ $type: 'excludedPath', path: '/opt/a', isDirectory: true }]),
  });
  assert.equal(created.status, 201);
  const newId = /<id>(\d+)<\/id>/.exec(await created.text())![1];
  const dup = await fetch(`${jamf.origin}/JSSResource/osxconfigurationprofiles/id/0`, { method: 'POST', headers: h, body: jamfProfileXml(id, []) });
  assert.equal(dup.status, 409);
  assert.match(await dup.text(), /Duplicate name/);
  const notProfile = jamfProfileXml({ ...id, name: 'other' }, []).replace(/&lt;string&gt;Configuration&lt;\/string&gt;/, '&lt;string&gt;Nope&lt;/string&gt;');
  const refused = await fetch(`${jamf.origin}/JSSResource/osxconfigurationprofiles/id/0`, { method: 'POST', headers: h, body: notProfile });
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /Problem with payload/);
  const read = readJamfProfile(await (await fetch(`${jamf.origin}/JSSResource/osxconfigurationprofiles/id/${newId}`, { headers: h })).text());
  assert.deepEqual(read.entries, [{ $type: 'excludedPath', path: '/opt/a', isDirectory: true }]);
  jamf.tokens.expireAll();
  const expired = await fetch(`${jamf.origin}/JSSResource/osxconfigurationprofiles`, { headers: h });
  assert.equal(expired.status, 401);
  assert.match(await expired.text(), /requires user authentication/);
});
