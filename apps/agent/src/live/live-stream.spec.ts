import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { findExecutable } from '../sources/spawned-tool';
import { LiveLineCounter } from './live-line-counter';
import { liveLineParserFactory } from './live-line-sources';
import { makeLiveSourceRunner } from './live-source-runners';
import { countLiveStream } from './live-stream';
import { totalsOf } from './live-test-data';
import { memorySink } from '../testing/memory-sink';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const counter = (source: string, windowMs: number) => new LiveLineCounter({ source, windowMs, graceMs: 1000, makeParser: liveLineParserFactory(source)! });

test('a stream (stdin, a spawned tool) in small pieces: windows as they complete, the rest when it ends, equal to a one-shot count', async () => {
  const data = fs.readFileSync(path.join(REPO, 'libs', 'fanotify', 'fixtures', 'recorded', 'json-tt-u-e-P.jsonl'));
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += 333) pieces.push(data.subarray(i, i + 333));
  const sink = memorySink();
  const r = await countLiveStream(Readable.from(pieces), counter('fanotify', 10), { sink });
  assert.equal(r.bytes, data.length);
  assert.equal(r.windows, sink.windows.length);
  assert.ok(sink.windows.length > 1);
  const one = counter('fanotify', 10);
  one.push(data);
  assert.deepEqual(totalsOf(sink.windows), totalsOf(one.end()));
});

const noFatrace = process.getuid?.() !== 0 ? 'not root' : !findExecutable('fatrace') ? 'fatrace not installed' : undefined;

test(
  'run --source fanotify without --input spawns fatrace: files written while it runs are counted, the open window is spooled on stop',
  { skip: noFatrace, timeout: 60_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-fatrace-'));
    const sink = memorySink();
    const logs: string[] = [];
    const runner = makeLiveSourceRunner(
      { name: 'fanotify' },
      { stateDir: dir, sink, windowMs: 60_000, pollSeconds: 1, stdin: Readable.from([]), log: (m) => logs.push(m), notify: () => undefined },
    );
    assert.equal(runner.canRunOnce, false);
    const running = runner.run();
    await sleep(1500); // fatrace sets up its marks
    const target = path.join(dir, 'written-by-child.txt');
    for (let i = 0; i < 3; i++) spawnSync('sh', ['-c', `echo ${i} >> ${target}`]);
    await sleep(1500);
    runner.stop();
    await running;
    const files = sink.windows.flatMap((w) => w.files).filter((f) => f.path === target);
    assert.ok(files.length > 0, `no event on ${target}; agent said: ${logs.join(' | ')}`);
    assert.ok(
      files.some((f) => f.op === 'modify' || f.op === 'create'),
      JSON.stringify(files),
    );
    assert.ok(sink.windows.every((w) => w.events > 0));
    assert.match(logs.join('\n'), /fatrace .*ended/);
  },
);
