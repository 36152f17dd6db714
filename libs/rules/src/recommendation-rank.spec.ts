import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExclusionItem } from './exclusion-item';
import { selectTopRecommendations } from './recommendation-rank';

function item(value: string, hosts: number, hostsReporting: number, totalCount: number): ExclusionItem {
  return {
    type: 'path',
    value,
    isDirectory: false,
    user: '',
    applyToChildren: false,
    globalScopeEligible: false,
    reason: 'spec',
    risk: { level: 'low', flags: [] },
    evidence: { hosts, hostsReporting, prevalence: hosts / hostsReporting, totalCount },
  } as unknown as ExclusionItem;
}

test('under the cap nothing is dropped and the order is by volume, as before', () => {
  const items = [item('/a', 3, 5, 10), item('/b', 1, 5, 1e9), item('/c', 2, 5, 100)];
  const { kept, dropped } = selectTopRecommendations(items, 3);
  assert.deepEqual(
    kept.map((i) => i.value),
    ['/b', '/c', '/a'],
  );
  assert.deepEqual(dropped, []);
});

test('over the cap, one host at any volume is cut before an item more hosts agree on', () => {
  const junk = Array.from({ length: 500 }, (_, i) => item(`/junk/${i}`, 1, 5, 1e9));
  const legit = item('/opt/legit/state.db', 3, 5, 3000);
  const { kept, dropped } = selectTopRecommendations([...junk, legit], 500);
  assert.equal(kept.length, 500);
  assert.ok(kept.includes(legit));
  assert.equal(kept[kept.length - 1], legit, 'kept items stay in volume order');
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].evidence.hosts, 1);
});
