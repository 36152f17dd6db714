import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runReport } from './report-command';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const AUDIT = path.join(REPO, 'libs', 'audit', 'fixtures', 'host-b.raw.log');
const FATRACE = path.join(REPO, 'libs', 'fanotify', 'fixtures', 'recorded', 'text-default.txt');
const MDATP = path.join(REPO, 'libs', 'mdatp', 'fixtures', 'mdatp_rtp_statistics_macos_excerpt.json');

/** A stderr that says it is a terminal and keeps what is drawn on it. */
function fakeTty(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text(): string } {
  const parts: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk.toString());
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string };
  w.isTTY = isTTY;
  w.columns = 120;
  w.text = () => parts.join('');
  return w;
}

async function report(
  source: string,
  input: string,
  stderr: ReturnType<typeof fakeTty>,
  extra: { by?: 'path'; progressMinBytes?: number } = {},
): Promise<string> {
  let out = '';
  const code = await runReport(
    { source, input, top: 5, json: true, by: extra.by },
    { stdout: { write: (s: string) => (out += s) }, stderr, stdin: Readable.from([]), progressMinBytes: extra.progressMinBytes },
  );
  assert.equal(code, 0, stderr.text());
  return out;
}

for (const [source, input] of [
  ['linux-audit', AUDIT],
  ['fanotify', FATRACE],
] as const) {
  test(`report --source ${source}: a progress bar on a terminal for a large input, with and without --by; the same JSON either way`, async () => {
    const tty = fakeTty(true);
    const withBar = await report(source, input, tty, { progressMinBytes: 1 });
    assert.match(tty.text(), /reading \[/);
    const quiet = fakeTty(false);
    // Rows without a time stamp (fatrace's default) are timed when read: the span may differ.
    const counts = (json: string) => ({ ...(JSON.parse(json) as object), durationSeconds: undefined });
    assert.deepEqual(counts(await report(source, input, quiet, { progressMinBytes: 1 })), counts(withBar));
    assert.equal(quiet.text(), '', 'no bar when stderr is not a terminal');
    const ttyBy = fakeTty(true);
    const by = JSON.parse(await report(source, input, ttyBy, { by: 'path', progressMinBytes: 1 })) as { by?: unknown };
    assert.ok(by.by);
    assert.match(ttyBy.text(), /reading \[/);
  });
}

test('report: no progress bar for an input below the size threshold', async () => {
  const tty = fakeTty(true);
  await report('linux-audit', AUDIT, tty, { progressMinBytes: fs.statSync(AUDIT).size + 1 });
  assert.equal(tty.text(), '');
});

test('report on a directory of mdatp polls: the bar runs against the size of all its files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-progress-'));
  fs.copyFileSync(MDATP, path.join(dir, 'poll-1.json'));
  fs.copyFileSync(MDATP, path.join(dir, 'poll-2.json'));
  const tty = fakeTty(true);
  await report('mdatp-rtp', dir, tty, { progressMinBytes: 1 });
  assert.match(tty.text(), /reading \[/);
  assert.match(tty.text(), /\/\d+ bytes/);
});
