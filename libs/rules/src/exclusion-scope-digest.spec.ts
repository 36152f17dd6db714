import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExclusionScope, describeScopeChange, exclusionScopeDigest, exclusionScopeOf } from './exclusion-scope-digest';
import { diffExclusionSets } from './exclusion-set-diff';

const approved = {
  type: 'process',
  value: '/opt/.x/implantd',
  user: 'root',
  applyToChildren: false,
  isDirectory: false,
  globalScopeEligible: true,
  risk: { level: 'low', flags: ['global-scope'] },
};

test('the digest covers every field that decides what is silenced, and only those', () => {
  const d = exclusionScopeDigest(approved);
  assert.match(d, /^[0-9a-f]{64}$/);
  assert.equal(exclusionScopeDigest({ ...approved, risk: { level: 'low', flags: ['global-scope', 'global-scope'] } }), d, 'flags are a set');
  assert.equal(exclusionScopeDigest({ ...approved, reason: 'other words' } as typeof approved), d, 'the reason is not scope');
  for (const change of [
    { applyToChildren: true },
    { isDirectory: true },
    { globalScopeEligible: false },
    { user: '' },
    { value: '/opt/.x/implant*' },
    { risk: { level: 'high', flags: ['global-scope'] } },
    { risk: { level: 'low', flags: ['global-scope', 'interpreter'] } },
    { platform: 'linux' },
  ]) {
    assert.notEqual(exclusionScopeDigest({ ...approved, ...change }), d, JSON.stringify(change));
  }
});

test('widening any field (children, directory, global, risk, new flag, platform) is "widened", whatever else narrowed', () => {
  const a = exclusionScopeOf(approved);
  const cases: [object, string][] = [
    [{ applyToChildren: true, risk: { level: 'high', flags: ['apply-to-children', 'global-scope', 'interpreter'] } }, 'applyToChildren false→true'],
    [{ isDirectory: true, risk: { level: 'medium', flags: ['directory', 'global-scope'] } }, 'isDirectory false→true'],
    [{ risk: { level: 'medium', flags: ['global-scope'] } }, 'risk.level low→medium'],
    [{ risk: { level: 'low', flags: ['global-scope', 'interpreter'] } }, 'risk.flags [global-scope]→[global-scope,interpreter]'],
    [{ risk: 'garbage' }, 'risk.level low→high'],
  ];
  for (const [change, expected] of cases) {
    const cmp = compareExclusionScope(a, exclusionScopeOf({ ...approved, ...change }));
    assert.equal(cmp.relation, 'widened', JSON.stringify(change));
    assert.ok(cmp.changes.map(describeScopeChange).includes(expected), `${JSON.stringify(cmp.changes)} has ${expected}`);
  }
  // Narrower on one field, wider on another: still a widening.
  const mixed = compareExclusionScope(
    exclusionScopeOf({ ...approved, applyToChildren: true, risk: { level: 'medium', flags: ['apply-to-children', 'global-scope'] } }),
    exclusionScopeOf({ ...approved, isDirectory: true, risk: { level: 'medium', flags: ['directory', 'global-scope'] } }),
  );
  assert.equal(mixed.relation, 'widened');
  // Per-platform: limited -> every platform widens, every platform -> limited narrows.
  assert.equal(compareExclusionScope(exclusionScopeOf({ ...approved, platform: 'darwin' }), a).relation, 'widened');
  assert.equal(
    compareExclusionScope(exclusionScopeOf({ ...approved, platform: 'darwin' }), exclusionScopeOf({ ...approved, platform: 'linux' })).relation,
    'widened',
  );
  assert.equal(compareExclusionScope(a, exclusionScopeOf({ ...approved, platform: 'linux' })).relation, 'narrower');
  // Another identity is never the approved exclusion.
  assert.equal(compareExclusionScope(a, exclusionScopeOf({ ...approved, value: '/opt/.x/*' })).relation, 'widened');
});

test('strictly narrower keeps the approval; the same scope is "same"', () => {
  const wide = exclusionScopeOf({ ...approved, applyToChildren: true, risk: { level: 'high', flags: ['apply-to-children', 'global-scope', 'interpreter'] } });
  assert.deepEqual(compareExclusionScope(exclusionScopeOf(approved), exclusionScopeOf({ ...approved })), { relation: 'same', changes: [] });
  const cmp = compareExclusionScope(wide, exclusionScopeOf(approved));
  assert.equal(cmp.relation, 'narrower');
  assert.deepEqual(cmp.changes.map(describeScopeChange), [
    'applyToChildren true→false',
    'risk.level high→low',
    'risk.flags [apply-to-children,global-scope,interpreter]→[global-scope]',
  ]);
});

test('the set diff flags a widened item: "widened: applyToChildren false→true"', () => {
  const prev = [{ ...approved, reason: 'noisy', evidence: { hosts: 2 } }];
  const next = [
    {
      ...approved,
      applyToChildren: true,
      reason: 'noisy',
      risk: { level: 'high' as const, flags: ['apply-to-children', 'global-scope', 'interpreter'] },
      evidence: { hosts: 2 },
    },
  ];
  const d = diffExclusionSets(prev as never, next as never);
  assert.equal(d.changed.length, 1);
  assert.deepEqual(d.changed[0].widened, [
    'applyToChildren false→true',
    'risk.level low→high',
    'risk.flags [global-scope]→[apply-to-children,global-scope,interpreter]',
  ]);
  const narrowed = diffExclusionSets(next as never, prev as never);
  assert.equal(narrowed.changed[0].widened, undefined, 'a narrowing is a change, not a widening');
});
