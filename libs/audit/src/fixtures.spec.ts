import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { collect, FIXTURES_DIR, summarize } from './testing/collect';

/**
 * The real recorded logs (fixtures/record-fixtures.sh) must give exactly the
 * counts aureport gives. With aureport installed the comparison runs it live;
 * otherwise it uses the saved <log>.expected.json (fixtures/record-expected.sh).
 */
const LOGS = ['host-a.enriched.log', 'host-b.raw.log'];

interface Expected {
  events: number;
  execs: Array<{ path: string; count: number }>;
  keys: Array<{ key: string; count: number }>;
  syscalls: Array<{ syscall: string; count: number }>;
}

const hasAureport = spawnSync('aureport', ['--version']).status === 0;

/** aureport summary rows are "%u  %s". */
function rows(out: string): Array<[string, number]> {
  const r: Array<[string, number]> = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+) {2}(.*)$/.exec(line);
    if (m) r.push([m[2], Number(m[1])]);
  }
  return r;
}

function liveExpected(log: string): Expected {
  const run = (args: string[]) => execFileSync('aureport', args, { encoding: 'utf8' });
  // Through sh: aureport reads stdin only when it is a FIFO (Node's stdio pipes are socketpairs).
  const execSummary = execFileSync('sh', ['-c', 'ausearch -if "$1" -sc execve -sv yes --raw | aureport -x --summary', 'sh', log], { encoding: 'utf8' });
  const events = /Number of events: (\d+)/.exec(run(['-if', log]))![1];
  return {
    events: Number(events),
    execs: rows(execSummary).map(([p, count]) => ({ path: p, count })),
    keys: rows(run(['-if', log, '-k', '--summary'])).map(([key, count]) => ({ key, count })),
    syscalls: rows(run(['-if', log, '-s', '--summary', '-i'])).map(([syscall, count]) => ({ syscall, count })),
  };
}

// Tie order differs between tools: compare as sorted multisets.
const norm = (r: Array<[string, number]>) => [...r].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

for (const name of LOGS) {
  const log = path.join(FIXTURES_DIR, name);
  const sources: Array<[string, () => Expected]> = [['saved expected JSON', () => JSON.parse(readFileSync(log + '.expected.json', 'utf8')) as Expected]];
  if (hasAureport) sources.push(['live aureport', () => liveExpected(log)]);

  for (const [label, load] of sources) {
    test(`${name}: counts equal ${label}`, async () => {
      const expected = load();
      const { events, stats } = await collect(readFileSync(log), 1 << 16);
      const got = summarize(events);
      assert.equal(stats.skipped, 0);
      assert.equal(got.events, expected.events, 'events');
      assert.deepEqual(norm(got.execs), norm(expected.execs.map((r) => [r.path, r.count])), 'execs');
      assert.deepEqual(norm(got.keys), norm(expected.keys.map((r) => [r.key, r.count])), 'keys');
      assert.deepEqual(norm(got.syscalls), norm(expected.syscalls.map((r) => [r.syscall, r.count])), 'syscalls');
    });
  }
}

test('host-a (ENRICHED): users are names, renames and relative names resolve', async () => {
  const { events } = await collect(readFileSync(path.join(FIXTURES_DIR, 'host-a.enriched.log')));
  const users = new Set(events.filter((e) => e.exec).map((e) => e.exec!.user));
  assert.ok(users.has('alice') && users.has('bob'), [...users].join(','));
  const files = events.flatMap((e) => e.files);
  assert.ok(files.some((f) => f.op === 'rename' && f.path === '/tmp/ftwatch/alice-0.log'));
  assert.ok(files.some((f) => f.op === 'rename' && f.path === '/tmp/ftwatch/rel-bob.done'));
  assert.ok(files.some((f) => f.op === 'create' && f.path === '/tmp/ftwatch/with space alice.txt'));
  assert.ok(files.some((f) => f.op === 'modify' && f.path === '/home/alice/.cache/app/x.log'));
  assert.ok(files.some((f) => f.op === 'delete' && f.path === '/tmp/ftwatch/alice-0.log'));
  const parents = events.filter((e) => e.exec && e.exec.path === '/usr/bin/true').map((e) => e.exec!.parentPath);
  assert.ok(parents.includes('/usr/bin/dash'));
});

test('host-b (RAW): users are uids', async () => {
  const { events } = await collect(readFileSync(path.join(FIXTURES_DIR, 'host-b.raw.log')));
  const users = new Set(events.filter((e) => e.exec && e.exec.path === '/usr/bin/uname').map((e) => e.exec!.user));
  assert.equal(users.size, 1);
  assert.match([...users][0], /^\d+$/);
});

test('chunk size does not change any count', async () => {
  const buf = readFileSync(path.join(FIXTURES_DIR, 'host-b.raw.log'));
  const a = summarize((await collect(buf, 1 << 20)).events);
  for (const size of [1, 13, 4096]) assert.deepEqual(summarize((await collect(buf, size)).events), a);
});
