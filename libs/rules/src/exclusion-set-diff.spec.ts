import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffExclusionSets } from './exclusion-set-diff';
import { ExclusionItem } from './exclusion-item';

const base = {
  isDirectory: false,
  globalScopeEligible: false,
  applyToChildren: false,
  reason: 'noisy',
  risk: { level: 'low' as const, flags: [] },
  evidence: { hosts: 2 },
};
const item = (type: ExclusionItem['type'], value: string, extra: object = {}) => ({ ...base, type, value, user: '', ...extra }) as unknown as ExclusionItem;

test('diff: added, removed (with why), changed (field by field), unchanged', () => {
  const prev = [item('process', '/opt/a'), item('wildcard', '/var/x/*.tmp'), item('path', '/var/log/y.log'), item('process', '/opt/gone')];
  const next = [
    item('process', '/opt/a'),
    item('wildcard', '/var/x/*.tmp', { evidence: { hosts: 3, totalCount: 999 } }),
    item('path', '/var/log/y.log', { applyToChildren: false, risk: { level: 'medium', flags: ['directory'] } }),
    item('process', '/opt/new', { reason: 'bursts' }),
  ];
  const d = diffExclusionSets(prev, next, [{ subject: '/var/log/other', why: 'x' }]);
  assert.deepEqual(d.added, [{ type: 'process', value: '/opt/new', user: '', why: 'new recommendation: bursts' }]);
  assert.deepEqual(d.removed, [{ type: 'process', value: '/opt/gone', user: '', why: 'no longer over the thresholds in the data of this run' }]);
  assert.deepEqual(
    d.changed.map((c) => [c.value, c.why]),
    [
      ['/var/log/y.log', 'risk.level "low" -> "medium"; risk.flags [] -> ["directory"]'],
      ['/var/x/*.tmp', 'evidence.hosts 2 -> 3'],
    ],
  );
  assert.equal(d.unchanged, 1);
  const again = diffExclusionSets(prev, [], [{ subject: '/opt/a', why: 'a shell' }]);
  assert.equal(again.removed.find((r) => r.value === '/opt/a')?.why, 'refused this time: a shell');
});
