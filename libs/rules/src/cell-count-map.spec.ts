import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CellCountMap } from './cell-count-map';

test('property: sums match a Map', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(5000), fc.integer({ min: 1, max: 100 })), { maxLength: 300 }), (adds) => {
      const m = new CellCountMap();
      const ref = new Map<number, number>();
      for (const [k, v] of adds) {
        m.add(k, v);
        ref.set(k, (ref.get(k) ?? 0) + v);
      }
      const got = new Map<number, number>();
      m.forEach((k, v) => got.set(k, v));
      assert.deepEqual(got, ref);
      assert.equal(m.size, ref.size);
    }),
  );
});
