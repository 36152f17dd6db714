import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecNoiseRow, FileNoiseRow, detectNoisySubjects, detectorConfig, likePattern } from './alert-detector';
import { isCoveredBy } from './exclusion-coverage';
import { cappedBackoff } from '../jobs/job-registry';

const cfg = detectorConfig({ recentBins: 1, jumpFactor: 10 });
const exec = (hostId: string, bin: number, path: string, parentPath: string, count: number, user = 'root'): ExecNoiseRow => ({
  hostId,
  path,
  parentPath,
  user,
  bin,
  count,
  firstStartMs: -bin * 1_200_000,
  lastEndMs: -bin * 1_200_000 + 1_200_000,
});
const file = (hostId: string, bin: number, path: string, count: number): FileNoiseRow => ({
  hostId,
  path,
  bin,
  count,
  firstStartMs: -bin * 1_200_000,
  lastEndMs: -bin * 1_200_000 + 1_200_000,
});

test('a utility storm is charged to the helper that starts it, through a shell', () => {
  const r = detectNoisySubjects(
    [exec('h1', 0, '/usr/bin/id', '/opt/x/helper', 1000), exec('h1', 0, '/bin/sh', '/opt/x/helper', 100), exec('h1', 0, '/usr/bin/cat', '/bin/sh', 150)],
    [],
    cfg,
  );
  assert.deepEqual(
    r.noisy.map((n) => [n.kind, n.subject, n.recentPeak, n.isNew]),
    [['parent', '/opt/x/helper', 1250, true]],
  );
  assert.deepEqual(r.noisy[0].children, ['/bin/sh', '/usr/bin/cat', '/usr/bin/id']);
  assert.equal(r.noisy[0].suggestedExclusion.applyToChildren, true);
  assert.deepEqual(r.execPatterns, ['/bin/sh', '/opt/x/helper']);
});

test('execs must exceed 1/s (1200 per 20 min); paths need 1000 hits; baseline decides newness', () => {
  const r = detectNoisySubjects(
    [
      exec('h1', 0, '/opt/a/a', '/sbin/init', 1200),
      exec('h1', 0, '/opt/b/b', '/sbin/init', 1201),
      exec('h2', 5, '/opt/b/b', '/sbin/init', 1300),
      exec('h1', 0, '/opt/c/c', '/sbin/init', 20_000),
      exec('h2', 3, '/opt/c/c', '/sbin/init', 1500),
    ],
    [file('h1', 0, '/srv/x.db', 1000), file('h1', 0, '/srv/y.db', 999)],
    cfg,
  );
  const got = Object.fromEntries(r.noisy.map((n) => [n.subject, n.isNew]));
  // b was as noisy in its baseline (on another host): not new. c jumped more than tenfold: new.
  assert.deepEqual(got, { '/opt/b/b': false, '/opt/c/c': true, '/srv/x.db': true });
});

test('subjects are generalized: no per-host user names, one subject for every home', () => {
  const r = detectNoisySubjects(
    [exec('h1', 0, '/home/alice/.local/bin/syncer', '/sbin/init', 1500, 'alice'), exec('h2', 0, '/home/bob/.local/bin/syncer', '/sbin/init', 1500, 'bob')],
    [file('h1', 0, '/home/alice/cache/alice-state.db', 2000)],
    cfg,
  );
  assert.deepEqual(
    r.noisy.map((n) => [n.subject, n.hostIds]),
    [
      ['/home/*/cache/*-state.db', ['h1']],
      ['/home/*/.local/bin/syncer', ['h1', 'h2']],
    ],
  );
  assert.doesNotMatch(JSON.stringify(r), /alice|bob/);
  assert.deepEqual(r.execPatterns, ['/home/%/.local/bin/syncer']);
});

test('a directory alerts only for noise spread over files that are quiet alone', () => {
  const spread = Array.from({ length: 50 }, (_, i) => file('h1', 0, `/var/cache/build/obj-${i}.o`, 30));
  const r = detectNoisySubjects([], [...spread, file('h1', 0, '/var/log/app/app.log', 5000)], cfg);
  assert.deepEqual(
    r.noisy.map((n) => [n.kind, n.subject, n.recentPeak]),
    [
      ['directory', '/var/cache/build', 1500],
      ['path', '/var/log/app/app.log', 5000],
    ],
  );
  assert.deepEqual(r.filePatterns, ['/var/cache/build/%', '/var/log/app/app.log']);
});

test('like patterns escape SQL wildcards', () => {
  assert.equal(likePattern('/home/*/a_b%c'), '/home/%/a\\_b\\%c');
});

test('approved exclusions cover their subjects', () => {
  const proc = { type: 'process', value: '/opt/x/helper', isDirectory: false, applyToChildren: true };
  assert.equal(isCoveredBy('process', '/opt/x/helper', proc), true);
  assert.equal(isCoveredBy('process', '/opt/x/other', proc), false);
  assert.equal(isCoveredBy('path', '/opt/x/helper', proc), false);
  const dir = { type: 'path', value: '/home/*/.cache/app', isDirectory: true, applyToChildren: false };
  assert.equal(isCoveredBy('path', '/home/*/.cache/app/state.db', dir), true);
  assert.equal(isCoveredBy('directory', '/home/*/.cache/app', dir), true);
  assert.equal(isCoveredBy('path', '/home/*/.cache/other/state.db', dir), false);
  const wildcard = { type: 'wildcard', value: '/var/tmp/build-*.o', isDirectory: false, applyToChildren: false };
  assert.equal(isCoveredBy('path', '/var/tmp/build-7.o', wildcard), true);
  assert.equal(isCoveredBy('path', '/var/tmp/sub/build-7.o', wildcard), false);
  assert.equal(isCoveredBy('path', '/srv/a/b.log', { type: 'extension', value: '.log', isDirectory: false, applyToChildren: false }), true);
});

test('delivery backoff doubles from the base delay and stops growing at the cap', () => {
  const job = { opts: { backoff: { delay: 10_000 } }, data: { maxDelayMs: 3_600_000 } };
  assert.deepEqual(
    [1, 2, 3, 9, 30].map((n) => cappedBackoff(n, 'capped-exponential', undefined, job)),
    [10_000, 20_000, 40_000, 2_560_000, 3_600_000],
  );
});
