import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeProgramFormats, ProgramFormat } from './program-format';
import { WindowAggregator } from './window-aggregator';

test('merging two readings of one program: a script wins, a binary beats unknown, unknown only when both are', () => {
  const cases: Array<[ProgramFormat | undefined, ProgramFormat | undefined, ProgramFormat | undefined]> = [
    ['elf', 'script', 'script'],
    ['script', 'mach-o', 'script'],
    ['unreadable', 'elf', 'elf'],
    ['mach-o', 'other', 'mach-o'],
    ['unreadable', 'other', 'other'],
    [undefined, 'unreadable', 'unreadable'],
    ['elf', undefined, 'elf'],
    [undefined, undefined, undefined],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(mergeProgramFormats(a, b), want, `${a} + ${b}`);
    assert.equal(mergeProgramFormats(b, a), want, `${b} + ${a}`);
  }
});

test('WindowAggregator keeps what a source said a program is, on every row of that program, and nothing where it said nothing', () => {
  const agg = new WindowAggregator({ source: 'eslogger', windowMs: 60_000 });
  const exec = (path: string, parentPath: string, format?: ProgramFormat) => ({
    timestampMs: 1_000,
    files: [],
    keys: [],
    exec: { path, parentPath, user: '0', format },
  });
  agg.add(exec('/opt/acme/sync-job', '/bin/zsh', 'script'));
  agg.add(exec('/opt/acme/sync-job', '/sbin/launchd'));
  agg.add(exec('/usr/bin/true', '/opt/acme/acmed'));
  const [w] = agg.flushAll();
  assert.deepEqual(
    w.execs.sort((a, b) => (a.path + a.parentPath < b.path + b.parentPath ? -1 : 1)),
    [
      { path: '/opt/acme/sync-job', parentPath: '/bin/zsh', user: '0', count: 1, format: 'script' },
      { path: '/opt/acme/sync-job', parentPath: '/sbin/launchd', user: '0', count: 1, format: 'script' },
      { path: '/usr/bin/true', parentPath: '/opt/acme/acmed', user: '0', count: 1 },
    ],
  );
});
