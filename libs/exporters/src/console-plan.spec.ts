import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, consoleDrift, consoleItemKey, keyOfMarker, ownershipMarker, planConsoleChanges, planIsEmpty } from './console-plan';

const body = (path: string, children = false) => ({ exclusionType: 'process', process: { path }, children });
const k = (v: string) => consoleItemKey({ type: 'process', value: v, user: '' });
/** An approved item as the plan takes it, and one fleettune owns on the console (its ledger row). */
const approvedItem = (path: string, children = false) => ({ key: k(path), body: body(path, children) });
const ownedItem = (path: string, consoleId: string, children = false) => ({ key: k(path), consoleId, body: body(path, children) });
const consoleIds = (items: readonly { consoleId: string }[]) => items.map((o) => o.consoleId);

test('a first push adds every approved item', () => {
  const plan = planConsoleChanges([approvedItem('/a')], []);
  assert.deepEqual(plan, { add: [approvedItem('/a')], remove: [], unchanged: [] });
  assert.equal(planIsEmpty(plan), false);
});

test('owned items in their approved form are left; unapproved ones removed; new ones added', () => {
  const owned = [ownedItem('/a', 'g1'), ownedItem('/gone', 'g2')];
  const plan = planConsoleChanges([approvedItem('/a'), approvedItem('/new')], owned);
  assert.deepEqual(consoleIds(plan.unchanged), ['g1']);
  assert.deepEqual(consoleIds(plan.remove), ['g2']);
  assert.deepEqual(
    plan.add.map((a) => a.key),
    [k('/new')],
  );
});

test('an owned item in another form is replaced by the approved form; a duplicate keeps one', () => {
  const plan = planConsoleChanges([approvedItem('/a', true)], [ownedItem('/a', 'g1', false), ownedItem('/b', 'g2')]);
  assert.deepEqual(consoleIds(plan.remove), ['g1', 'g2']);
  assert.deepEqual(plan.add, [approvedItem('/a', true)]);
  const dup = planConsoleChanges([approvedItem('/a')], [ownedItem('/a', 'g1'), ownedItem('/a', 'g9')]);
  assert.deepEqual(consoleIds(dup.unchanged), ['g1']);
  assert.deepEqual(consoleIds(dup.remove), ['g9']);
  assert.equal(dup.add.length, 0);
});

test('an unchanged console plans nothing', () => {
  const plan = planConsoleChanges([{ key: k('/a'), body: { b: 1, a: 2 } }], [{ key: k('/a'), consoleId: 'g1', body: { a: 2, b: 1 } }]);
  assert.equal(planIsEmpty(plan), true);
});

test('drift: owned items removed, changed or added by hand against the ledger', () => {
  const ledger = [ownedItem('/a', 'g1'), ownedItem('/b', 'g2')];
  const drift = consoleDrift([ownedItem('/b', 'g2', true), ownedItem('/c', 'g3')], ledger);
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
