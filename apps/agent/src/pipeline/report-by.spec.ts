import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runReport } from '../commands/report-command';
import { extensionOf, ReportBy } from './report-by';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'libs', 'audit', 'fixtures');

async function report(input: string, by: string, json = true) {
  let out = '';
  const code = await runReport(
    { source: 'linux-audit', input, top: 1000, json, by: by as never },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true, isTTY: false }, stdin: Readable.from([]) },
  );
  assert.equal(code, 0);
  return out;
}

for (const name of ['host-a.enriched.log', 'host-b.raw.log']) {
  const file = path.join(FIXTURES, name);
  const expected = JSON.parse(readFileSync(file + '.expected.json', 'utf8'));

  test(`--by key / syscall on ${name} equal aureport's saved counts, with rates`, async () => {
    for (const [dim, list, field] of [
      ['key', expected.keys, 'key'],
      ['syscall', expected.syscalls, 'syscall'],
    ] as const) {
      const r = JSON.parse(await report(file, dim));
      const by = r.by as ReportBy;
      assert.equal(by.dimension, dim);
      const got = Object.fromEntries(by.rows.map((x) => [x.key, x.count]));
      const want = Object.fromEntries((list as Array<Record<string, string | number>>).map((x) => [x[field], x.count]));
      assert.deepEqual(got, want);
      for (const row of by.rows) assert.equal(row.perSecond, Math.round((row.count / r.durationSeconds) * 1000) / 1000);
    }
  });

  test(`--by path / extension / process / parent / user on ${name} add up to the report's totals`, async () => {
    const base = JSON.parse(await report(file, 'path'));
    const execs = base.execs.reduce((n: number, e: { count: number }) => n + e.count, 0);
    const fileOps = base.files.reduce((n: number, f: { count: number }) => n + f.count, 0);
    const sum = (b: ReportBy) => b.rows.reduce((n, x) => n + x.count, 0);
    assert.equal(sum(base.by), execs + fileOps);
    assert.equal(sum(JSON.parse(await report(file, 'extension')).by), fileOps);
    assert.equal(sum(JSON.parse(await report(file, 'process')).by), fileOps);
    assert.equal(sum(JSON.parse(await report(file, 'parent')).by), execs);
    assert.equal(sum(JSON.parse(await report(file, 'user')).by), execs);
    const table = await report(file, 'extension', false);
    assert.match(table, /^File extensions \(file operations\)/m);
    assert.match(table, /^\s*\d+\s+[\d.]+\s+.*\blog$/m);
  });
}

test('extensions: lower case without the dot, (none) without one', () => {
  assert.equal(extensionOf('/a/b/X.LOG'), 'log');
  assert.equal(extensionOf('/a/b.d/file'), '(none)');
  assert.equal(extensionOf('/a/.bashrc'), '(none)');
  assert.equal(extensionOf('/a/x.tar.gz'), 'gz');
});
