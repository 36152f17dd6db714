import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleItemKey, MDE_CHILD_SCOPE_REASON } from '@fleettune/exporters';
import type { PushedItem } from '../policy-payload';
import { keepAfterRemoving, mdeDesiredItems } from './mde-console-items';

// Issue 14 item 3: what the Intune and Jamf connectors carry of an approved set.
const item = (over: Partial<PushedItem>): PushedItem => ({
  type: 'path',
  value: '/x',
  user: '',
  isDirectory: false,
  applyToChildren: false,
  globalScopeEligible: true,
  reason: 'r',
  risk: null,
  platforms: ['linux'],
  ...over,
});

test("only the target platform's items, each with why when skipped; two items making one Defender entry are carried once", () => {
  const items = [
    item({ value: '/opt/a', isDirectory: true }),
    item({ value: '/Users/*/Library/Caches/x', platforms: ['darwin'] }),
    item({ type: 'wildcard', value: '/opt/a', isDirectory: true }),
    item({ type: 'process', value: '/opt/jamf/bin/jamf', applyToChildren: true, platforms: ['linux', 'darwin'] }),
    item({ type: 'extension', value: 'pcap', platforms: ['linux', 'darwin'] }),
  ];
  const linux = mdeDesiredItems(items, 'linux');
  assert.deepEqual(
    linux.items.map((i) => [i.key, i.body]),
    [
      [consoleItemKey(items[0]!), { $type: 'excludedPath', path: '/opt/a', isDirectory: true }],
      [consoleItemKey(items[4]!), { $type: 'excludedFileExtension', extension: '.pcap' }],
    ],
  );
  assert.deepEqual(linux.skipped, [
    { value: '/Users/*/Library/Caches/x', reason: 'a darwin item; this target holds linux exclusions only' },
    { value: '/opt/a', reason: 'the same Defender exclusion (directory /opt/a) as /opt/a' },
    { value: '/opt/jamf/bin/jamf', reason: MDE_CHILD_SCOPE_REASON },
  ]);
  assert.deepEqual(
    mdeDesiredItems(items, 'darwin').items.map((i) => i.body),
    [
      { $type: 'excludedPath', path: '/Users/*/Library/Caches/x', isDirectory: false },
      { $type: 'excludedFileExtension', extension: '.pcap' },
    ],
  );
});

test('removals drop the last copies of an entry held twice and never an unreadable one', () => {
  assert.deepEqual(keepAfterRemoving(['a', undefined, 'b', 'a'], [{ consoleId: 'a' }]), [true, true, true, false]);
  assert.deepEqual(keepAfterRemoving(['a', 'b'], [{ consoleId: 'a' }, { consoleId: 'b' }]), [false, false]);
  assert.deepEqual(keepAfterRemoving([undefined], [{ consoleId: 'a' }]), [true]);
});
