import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hubTotals, hubUnavailable, reportTotals, runAgentOnce, useHubForAgents } from './live-hub-harness';

/**
 * `run` reads a followed file 1 MiB at a time into one reused buffer: the
 * line that crosses each read must reach the hub whole. For every line source,
 * a multi-MiB input (a real fixture's rows repeated) streamed through `run`
 * to a real hub gives exactly `report`'s counts.
 */
const unavailable = hubUnavailable();
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const fixture = (lib: string, name: string) => path.join(REPO, 'libs', lib, 'fixtures', ...name.split('/'));
const MiB = 1 << 20;

const live = useHubForAgents('agent_line_boundaries', 'ft-line-boundaries-');

/** The fixture's first `headerLines` lines once, then its other lines repeated until the file passes 3.5 MiB. */
function bigInput(name: string, source: string, headerLines: number): string {
  const lines = fs
    .readFileSync(source, 'utf8')
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1);
  const head = lines
    .slice(0, headerLines)
    .map((l) => l + '\n')
    .join('');
  const body = lines
    .slice(headerLines)
    .map((l) => l + '\n')
    .join('');
  assert.ok(body.length > 0, `${source} has rows`);
  const copies = Math.ceil((3.5 * MiB) / Buffer.byteLength(body));
  const file = path.join(live.dir, name);
  fs.writeFileSync(file, head + body.repeat(copies));
  return file;
}

/** How many of the first three MiB boundaries fall inside a line (not right after a newline). */
function boundariesInsideLines(file: string): number {
  const data = fs.readFileSync(file);
  return [1, 2, 3].filter((k) => data.length > k * MiB && data[k * MiB - 1] !== 0x0a).length;
}

const CASES: Array<[source: string, name: string, input: string, headerLines: number]> = [
  ['cisco-support', 'ampdaemon.log', fixture('cisco', 'ampdaemon.log'), 0],
  ['fanotify', 'fatrace-text.txt', fixture('fanotify', 'recorded/text-tt-u.txt'), 0],
  ['fanotify', 'fatrace-json.jsonl', fixture('fanotify', 'recorded/json-tt-u-e-P.jsonl'), 0],
  ['eslogger', 'eslogger.jsonl', fixture('eslogger', 'eslogger_real_captures.jsonl'), 0],
  ['dtrace-newproc', 'newproc.txt', fixture('tracers', 'newproc_constructed.txt'), 2],
  ['dtrace-iosnoop', 'iosnoop.txt', fixture('tracers', 'iosnoop_public_examples.txt'), 1],
  ['bcc-execsnoop', 'execsnoop.txt', fixture('tracers', 'bcc_execsnoop_output_excerpt.txt'), 2],
  ['bcc-opensnoop', 'opensnoop.txt', fixture('tracers', 'bcc_opensnoop_output_excerpt.txt'), 2],
];

let hostNo = 0;
for (const [source, name, fixtureFile, headerLines] of CASES) {
  test(
    `run --source ${source} (${name}, lines across three 1 MiB reads): the hub's totals equal report's`,
    { skip: unavailable, timeout: 240_000 },
    async () => {
      const input = bigInput(name, fixtureFile, headerLines);
      assert.equal(boundariesInsideLines(input), 3, 'a line crosses each of the first three 1 MiB read boundaries');
      const hostname = `boundaries-${process.pid}-${++hostNo}`;
      const stateDir = fs.mkdtempSync(path.join(live.dir, 'state-'));
      const r = await runAgentOnce(live, { source, input, hostname, stateDir });
      assert.equal(r.code, 0, r.output);
      const expected = await reportTotals(source, input);
      assert.ok(expected.events > 1000, `${name}: the input has many events (${expected.events})`);
      assert.deepEqual(await hubTotals(live.hub.dbUrl, hostname, source), expected);
    },
  );
}
