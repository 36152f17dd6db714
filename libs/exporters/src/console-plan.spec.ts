import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, consoleDrift, consoleItemKey, keyOfMarker, ownershipMarker, planConsoleChanges, planIsEmpty } from './console-plan';

const body = (path: string, children = false) => ({ exclusionType: 'process', process: { path }, children });
const k = (v: string) => consoleItemKey({ type: 'process', value: v, user: '' });

test('a first push adds every approved item', () => {
  const plan = planConsoleChanges([{ key: k('/a'), body: body('/a') }], []);
  assert.deepEqual(plan, { add: [{ key: k('/a'), body: body('/a') }], remove: [], unchanged: [] });
  assert.equal(planIsEmpty(plan), false);
});

test('owned items in their approved form are left; unapproved ones removed; new ones added', () => {
  const owned = [
    { key: k('/a'), consoleId: 'g1', body: body('/a') },
    { key: k('/gone'), consoleId: 'g2', body: body('/gone') },
  ];
  const plan = planConsoleChanges(
    [
      { key: k('/a'), body: body('/a') },
      { key: k('/new'), body: body('/new') },
    ],
    owned,
  );
  assert.deepEqual(
    plan.unchanged.map((o) => o.consoleId),
    ['g1'],
  );
  assert.deepEqual(
    plan.remove.map((o) => o.consoleId),
    ['g2'],
  );
  assert.deepEqual(
    plan.add.map((a) => a.key),
    [k('/new')],
  );
});

test('an owned item in another form is replaced by the approved form; a duplicate keeps one', () => {
  const plan = planConsoleChanges(
    [{ key: k('/a'), body: body('/a', true) }],
    [
      { key: k('/a'), consoleId: 'g1', body: body('/a', false) },
      { key: k('/b'), consoleId: 'g2', body: body('/b') },
    ],
  );
  assert.deepEqual(
    plan.remove.map((o) => o.consoleId),
    ['g1', 'g2'],
  );
  assert.deepEqual(plan.add, [{ key: k('/a'), body: body('/a', true) }]);
  const dup = planConsoleChanges(
    [{ key: k('/a'), body: body('/a') }],
    [
      { key: k('/a'), consoleId: 'g1', body: body('/a') },
      { key: k('/a'), consoleId: 'g9', body: body('/a') },
    ],
  );
  assert.deepEqual(
    dup.unchanged.map((o) => o.consoleId),
    ['g1'],
  );
  assert.deepEqual(
    dup.remove.map((o) => o.consoleId),
    ['g9'],
  );
  assert.equal(dup.add.length, 0);
});

test('an unchanged console plans nothing', () => {
  const plan = planConsoleChanges([{ key: k('/a'), body: { b: 1, a: 2 } }], [{ key: k('/a'), consoleId: 'g1', body: { a: 2, b: 1 } }]);
  assert.equal(planIsEmpty(plan), true);
});

test('drift: owned items removed, changed or added by hand against the ledger', () => {
  const ledger = [
    { key: k('/a'), consoleId: 'g1', body: body('/a') },
    { key: k('/b'), consoleId: 'g2', body: body('/b') },
  ];
  const drift = consoleDrift(
    [
      { key: k('/b'), consoleId: 'g2', body: body('/b', true) },
      { key: k('/c'), consoleId: 'g3', body: body('/c') },
    ],
    ledger,
  );
  assert.deepEqual(
    drift.map((d) => [d.consoleId, d.kind]),
    [
      ['g1', 'removed'],
      ['g2', 'changed'],
      ['g3', 'added'],
    ],
  );
  assert.deepEqual(consoleDrift(ledger, ledger), []);
});

test('markers: only fleettune:<hex key> is ours', () => {
  const key = k('/a');
  assert.equal(keyOfMarker(ownershipMarker(key)), key);
  assert.equal(keyOfMarker(`${ownershipMarker(key)} approved by carol`), key);
  assert.equal(keyOfMarker('fleettune: hand made'), undefined);
  assert.equal(keyOfMarker('my exclusion'), undefined);
  assert.equal(keyOfMarker(undefined), undefined);
  assert.equal(canonicalJson({ b: [1, { d: 1, c: undefined }], a: null }), '{"a":null,"b":[1,{"d":1}]}');
});
