import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HubConfigError, loadHubConfig } from './hub-config';
import { hasRole, parseHubRoles } from './hub-roles';

test('FLEETTUNE_ROLES defaults to every role and parses lists in any order and case', () => {
  assert.deepEqual(loadHubConfig({}).FLEETTUNE_ROLES, ['api', 'ingest', 'worker']);
  assert.deepEqual(loadHubConfig({ FLEETTUNE_ROLES: ' Worker , api ' }).FLEETTUNE_ROLES, ['api', 'worker']);
  assert.deepEqual(parseHubRoles('ingest,ingest'), { roles: ['ingest'] });
  const c = loadHubConfig({ FLEETTUNE_ROLES: 'ingest' });
  assert.equal(hasRole(c, 'ingest'), true);
  assert.equal(hasRole(c, 'api'), false);
});

test('an unknown or empty role list refuses to start, naming the roles', () => {
  assert.throws(
    () => loadHubConfig({ FLEETTUNE_ROLES: 'api,workers' }),
    (e: unknown) => e instanceof HubConfigError && /unknown role workers \(roles: api, ingest, worker\)/.test(e.message),
  );
  assert.throws(
    () => loadHubConfig({ FLEETTUNE_ROLES: ' , ' }),
    (e: unknown) => e instanceof HubConfigError && /FLEETTUNE_ROLES: must name at least one/.test(e.message),
  );
});
