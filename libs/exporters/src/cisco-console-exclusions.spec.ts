import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExportableExclusion } from '@fleettune/rules';
import { CISCO_ALL_USERS, CISCO_FILE_NAME_SKIP, ciscoConsoleExclusions, readCiscoExclusion } from './cisco-console-exclusions';
import { canonicalJson, consoleItemKey } from './console-plan';

const item = (type: string, value: string, extra: Partial<ExportableExclusion> = {}) =>
  ({ type, value, user: '', isDirectory: false, applyToChildren: false, globalScopeEligible: false, reason: 'r', ...extra }) as ExportableExclusion;

test('approved items become API v3 exclusions keyed by what they exclude', () => {
  const { items, skipped } = ciscoConsoleExclusions([
    item('path', '/opt/app/cache'),
    item('wildcard', '/home/*/.cache/app/*.log'),
    item('extension', '.tmp'),
    item('process', '/opt/app/bin/agent', { applyToChildren: true }),
    item('process', '/opt/app/bin/helper', { user: 'svc' }),
    item('filename', 'core'),
    item('audit-exe', '/usr/bin/find'),
  ]);
  assert.deepEqual(
    items.map((i) => i.body),
    [
      { exclusionType: 'path', path: '/opt/app/cache' },
      { exclusionType: 'path', path: '/home/*/.cache/app/*.log' },
      { exclusionType: 'fileExtension', fileExtension: 'tmp' },
      {
        exclusionType: 'process',
        process: { path: '/opt/app/bin/agent', user: CISCO_ALL_USERS },
        engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: true } },
      },
      {
        exclusionType: 'process',
        process: { path: '/opt/app/bin/helper', user: 'svc' },
        engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: false } },
      },
    ],
  );
  assert.equal(items[3].key, consoleItemKey({ type: 'process', value: '/opt/app/bin/agent', user: '' }));
  assert.deepEqual(
    skipped.map((s) => s.value),
    ['/usr/bin/find', 'core'],
  );
  assert.equal(skipped.find((s) => s.value === 'core')?.reason, CISCO_FILE_NAME_SKIP);
});

test('an exclusion read back normalizes to the written form; extra API fields do not count', () => {
  const written = ciscoConsoleExclusions([item('process', '/opt/app/bin/agent', { applyToChildren: true })]).items[0].body;
  const read = readCiscoExclusion({
    guid: 'g1',
    ...written,
    anyDrive: null,
    process: { path: '/opt/app/bin/agent', sha: '', user: 'All Users' },
    engineSettings: { ...written.engineSettings, maliciousActivity: { applyToEngine: false } },
  });
  assert.equal(read?.guid, 'g1');
  assert.equal(canonicalJson(read?.body), canonicalJson(written));
  assert.equal(readCiscoExclusion({ exclusionType: 'path', path: '/x' }), undefined, 'no guid');
  assert.deepEqual(readCiscoExclusion({ guid: 'g2', exclusionType: 'ioc', iocGuid: 'x' })?.body, { exclusionType: 'ioc' });
  assert.equal(readCiscoExclusion('nonsense'), undefined);
});
