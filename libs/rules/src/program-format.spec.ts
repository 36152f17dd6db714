import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIRM_BINARY, recommendExclusions } from './recommend-exclusions';
import { FleetActivityRow, ProgramFileFormat } from './fleet-activity-row';

// Issue 19 item 4: Cisco "Process Exclusions on Mac can only be implemented for Mach-O files".
const W = 20 * 60_000;
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % W);
const HOSTS = ['mac-1', 'mac-2'];

function exec(path: string, parentPath: string, hostId: string, count: number, programFormat?: ProgramFileFormat): FleetActivityRow {
  return { kind: 'exec', path, parentPath, user: 'root', hostId, windowStartMs: T0, count, programFormat };
}

test('an extension-less #! script is never a plain process item; its binary parent is recommended with children instead', () => {
  const rows = HOSTS.flatMap((h) => [
    exec('/opt/acme/bin/sync-job', '/opt/acme/bin/acmed', h, 2500, 'script'),
    exec('/opt/acme/bin/acmed', '/sbin/launchd', h, 3, 'mach-o'),
  ]);
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 2 });
  assert.equal(
    items.find((i) => i.value === '/opt/acme/bin/sync-job'),
    undefined,
  );
  const refusal = rejected.find((r) => r.subject === '/opt/acme/bin/sync-job');
  assert.match(refusal!.why, /is a script \(#!/);
  const parent = items.find((i) => i.value === '/opt/acme/bin/acmed');
  assert.equal(parent?.type, 'process');
  assert.equal(parent?.applyToChildren, true);
  assert.ok(!parent!.risk.flags.includes('format-unconfirmed'), 'acmed was read as Mach-O');
  assert.ok(!parent!.reason.includes(CONFIRM_BINARY));
});

test('one host reading the program as a script is enough to refuse it; the same script without a parent is refused with the reason', () => {
  const rows = [exec('/opt/acme/bin/sync-job', '', 'mac-1', 2500, 'script'), exec('/opt/acme/bin/sync-job', '', 'mac-2', 2500)];
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 2 });
  assert.deepEqual(items, []);
  assert.match(rejected.find((r) => r.subject === '/opt/acme/bin/sync-job')!.why, /script .*no safe parent/);
});

test('a script is skipped on the walk to a safe parent: the binary above it is chosen', () => {
  const rows = HOSTS.flatMap((h) => [
    exec('/usr/bin/grep', '/opt/acme/bin/runner', h, 3600, 'elf'),
    exec('/opt/acme/bin/runner', '/opt/acme/bin/acmed', h, 10, 'script'),
    exec('/opt/acme/bin/acmed', '/sbin/init', h, 1, 'elf'),
  ]);
  const { items } = recommendExclusions(rows, { hostsReporting: 2 });
  assert.deepEqual(
    items.filter((i) => i.type === 'process').map((i) => [i.value, i.applyToChildren]),
    [['/opt/acme/bin/acmed', true]],
  );
});

test('a script by files scanned is refused too', () => {
  const rows: FleetActivityRow[] = HOSTS.map((hostId) => ({
    kind: 'scan',
    path: '/opt/acme/bin/indexer',
    hostId,
    windowStartMs: T0,
    count: 50_000,
    programFormat: 'script',
  }));
  const { items, rejected } = recommendExclusions(rows, { hostsReporting: 2 });
  assert.deepEqual(items, []);
  assert.match(rejected.find((r) => r.subject === '/opt/acme/bin/indexer')!.why, /is a script/);
});

test('unknown format: the process item is marked "confirm Mach-O/ELF" at the same level; a known binary is not marked', () => {
  const rows = HOSTS.flatMap((h) => [
    exec('/opt/acme/bin/helper', '/opt/acme/bin/acmed', h, 2500),
    exec('/opt/acme/bin/unread', '/opt/acme/bin/acmed', h, 2500, 'unreadable'),
    exec('/opt/acme/bin/known', '/opt/acme/bin/acmed', h, 2500, 'elf'),
  ]);
  const { items } = recommendExclusions(rows, { hostsReporting: 2 });
  const by = new Map(items.map((i) => [i.value, i]));
  for (const unknown of ['/opt/acme/bin/helper', '/opt/acme/bin/unread']) {
    const it = by.get(unknown)!;
    assert.equal(it.type, 'process');
    assert.ok(it.risk.flags.includes('format-unconfirmed'), unknown);
    assert.ok(it.reason.endsWith(CONFIRM_BINARY), it.reason);
    assert.equal(it.risk.level, 'low', 'the mark does not raise the level');
  }
  const known = by.get('/opt/acme/bin/known')!;
  assert.deepEqual(known.risk, { level: 'low', flags: ['global-scope'] });
  assert.ok(!known.reason.includes('confirm'));
});
