import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportableExclusion } from '@fleettune/rules';
import { CiscoCsvExporter, CISCO_API_CSV_COLUMNS } from './cisco-csv-exporter';
import { CiscoJsonExporter } from './cisco-json-exporter';
import { CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY, CISCO_PROCESS_LIMIT_REASON, CISCO_PROCESS_WILDCARD_NOTE } from './cisco-exclusion-mapping';

// Issue 19 item 8: Cisco exports in the documented API v3 shapes, with the per-policy process limit
// and the connector-version note on wildcard process paths. Items from the Mac tuning guide's examples.
const base = { isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'test' };
// "exclude the process, but only for specified user 'root'" and "apply the process exclusion to children processes".
const jamf: ExportableExclusion = {
  ...base,
  type: 'process',
  value: '/usr/local/jamf/bin/jamf',
  user: 'root',
  applyToChildren: true,
  reason: 'starts /bin/rm 3/s',
};
const helper: ExportableExclusion = { ...base, type: 'process', value: '/Applications/Acme.app/Contents/MacOS/Acme Helper' };
const perUser: ExportableExclusion = { ...base, type: 'wildcard', value: '/Users/*/Library/Logs/Acme/acme.log' };
const ext: ExportableExclusion = { ...base, type: 'extension', value: '.journal' };
const wildProcess: ExportableExclusion = { ...base, type: 'process', value: '/Applications/Acme*.app/Contents/MacOS/acmed' };

test('JSON: API v3 exclusion objects; the child scope under engineSettings.fileScan, not process', () => {
  const doc = JSON.parse(new CiscoJsonExporter().export([jamf, helper, perUser, ext]).content);
  const byPath = new Map(
    doc.data.map((d: { process?: { path: string }; path?: string; fileExtension?: string }) => [d.process?.path ?? d.path ?? d.fileExtension, d]),
  );
  assert.deepEqual(byPath.get('/usr/local/jamf/bin/jamf'), {
    exclusionType: 'Process',
    engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: true } },
    process: { path: '/usr/local/jamf/bin/jamf', sha: '' },
    fleettune: { reason: 'starts /bin/rm 3/s', user: 'root' },
  });
  const h = byPath.get('/Applications/Acme.app/Contents/MacOS/Acme Helper') as {
    engineSettings: { fileScan: { applyToChildProcesses: boolean } };
    process: Record<string, unknown>;
  };
  assert.equal(h.engineSettings.fileScan.applyToChildProcesses, false);
  assert.deepEqual(Object.keys(h.process).sort(), ['path', 'sha'], 'no applyToChildProcesses (or user) under process');
  assert.deepEqual(byPath.get('/Users/*/Library/Logs/Acme/acme.log'), {
    exclusionType: 'Wildcard',
    path: '/Users/*/Library/Logs/Acme/acme.log',
    fleettune: { reason: 'test' },
  });
  assert.deepEqual(byPath.get('journal'), { exclusionType: 'File Extension', fileExtension: 'journal', fleettune: { reason: 'test' } });
  assert.equal(doc.meta.processExclusions, 2);
  assert.equal(doc.meta.processExclusionLimitPerPolicy, 100);
});

test('CSV: the documented export columns in order, then the process user and the reason', () => {
  const csv = new CiscoCsvExporter().export([jamf, helper, perUser, ext]).content.split('\r\n');
  assert.equal(csv[0], [...CISCO_API_CSV_COLUMNS, 'Process User', 'Reason'].join(','));
  assert.equal(
    CISCO_API_CSV_COLUMNS.join(','),
    'ExclusionGUID,Exclusion Type,Path,File Extension,Any Drive,FileScanEngine,FileScanChild,MAP,BP,SPP,Process Path,Process SHA',
  );
  assert.equal(csv[1], ',Process,,,,True,True,,,,/usr/local/jamf/bin/jamf,,root,starts /bin/rm 3/s');
  assert.equal(csv[2], ',Process,,,,True,,,,,/Applications/Acme.app/Contents/MacOS/Acme Helper,,,test');
  assert.equal(csv[3], ',Wildcard,/Users/*/Library/Logs/Acme/acme.log,,,,,,,,,,,test');
  assert.equal(csv[4], ',File Extension,,journal,,,,,,,,,,test');
});

test('a policy holds at most 100 process exclusions: the rest are skipped with why, in rank order', () => {
  const many: ExportableExclusion[] = Array.from({ length: 105 }, (_, i) => ({ ...base, type: 'process' as const, value: `/opt/app${i}/bin/app${i}` }));
  many.splice(50, 0, perUser);
  for (const exporter of [new CiscoJsonExporter(), new CiscoCsvExporter()]) {
    const { content, skipped } = exporter.export(many);
    assert.deepEqual(
      skipped.map((s) => s.item.value),
      ['/opt/app100/bin/app100', '/opt/app101/bin/app101', '/opt/app102/bin/app102', '/opt/app103/bin/app103', '/opt/app104/bin/app104'],
    );
    assert.ok(skipped.every((s) => s.reason === CISCO_PROCESS_LIMIT_REASON));
    assert.ok(content.includes('/opt/app99/bin/app99') && content.includes('/Users/*/Library/Logs/Acme/acme.log'));
  }
  const doc = JSON.parse(new CiscoJsonExporter().export(many).content);
  assert.equal(doc.meta.processExclusions, CISCO_MAX_PROCESS_EXCLUSIONS_PER_POLICY);
  assert.equal(doc.meta.notExported.length, 5);
});

test('a * in a process path is exported with the connector 1.15.2 note, and reported as partial', () => {
  const json = new CiscoJsonExporter().export([wildProcess]);
  assert.deepEqual(
    json.partial?.map((p) => p.reason),
    [CISCO_PROCESS_WILDCARD_NOTE],
  );
  assert.deepEqual(JSON.parse(json.content).data[0].fleettune.notes, [CISCO_PROCESS_WILDCARD_NOTE]);
  const csv = new CiscoCsvExporter().export([wildProcess]);
  assert.match(csv.content, /1\.15\.2 or later/);
  assert.equal(csv.partial?.length, 1);
});
