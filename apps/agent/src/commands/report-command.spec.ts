import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ActivityReport } from '../report/activity-report';
import { runReport } from './report-command';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = path.join(REPO, 'libs', 'audit', 'fixtures');
const MAIN = path.join(REPO, 'apps', 'agent', 'dist', 'main.js');

async function run(args: Partial<{ source: string; input: string; top: number; json: boolean }>, stdin = '') {
  let out = '';
  let err = '';
  const code = await runReport(
    { source: 'linux-audit', input: '-', top: 1000, json: true, ...args },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false }, stdin: Readable.from([Buffer.from(stdin)]) },
  );
  return { code, out, err };
}

const norm = (rows: Array<[string, number]>) => [...rows].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

for (const name of ['host-a.enriched.log', 'host-b.raw.log']) {
  test(`report --json on ${name} equals aureport's saved counts`, async () => {
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, name + '.expected.json'), 'utf8'));
    const { code, out, err } = await run({ input: path.join(FIXTURES, name) });
    assert.equal(code, 0, err);
    const r = JSON.parse(out) as ActivityReport;
    assert.equal(r.source, 'linux-audit');
    assert.equal(r.events, expected.events);
    assert.equal(r.skipped, 0);
    assert.deepEqual(norm(r.execs.map((e) => [e.path, e.count])), norm(expected.execs.map((e: { path: string; count: number }) => [e.path, e.count])));
    assert.deepEqual(norm(r.keys.map((e) => [e.key, e.count])), norm(expected.keys.map((e: { key: string; count: number }) => [e.key, e.count])));
    assert.deepEqual(
      norm(r.syscalls.map((e) => [e.syscall, e.count])),
      norm(expected.syscalls.map((e: { syscall: string; count: number }) => [e.syscall, e.count])),
    );
    // sorted by count desc, ties by name
    for (const list of [r.execs.map((e) => [e.path, e.count]), r.keys.map((e) => [e.key, e.count])] as Array<Array<[string, number]>>) {
      assert.deepEqual(list, norm(list));
    }
    assert.ok(r.durationSeconds > 0);
    assert.ok(r.files.length > 0);
  });
}

test('--top limits each section; stdin input; skipped lines reported by reason', async () => {
  const log = readFileSync(path.join(FIXTURES, 'host-a.enriched.log'), 'latin1');
  const { code, out } = await run({ top: 3 }, 'garbage line\n' + log);
  assert.equal(code, 0);
  const r = JSON.parse(out) as ActivityReport;
  assert.equal(r.execs.length, 3);
  assert.equal(r.syscalls.length, 3);
  assert.deepEqual(r.skippedReasons, { 'no-type': 1 });
  const alice = r.execs.find((e) => e.users.some((u) => u.user === 'alice'));
  assert.ok(alice);
});

test('table output has every section with counts and rates', async () => {
  const { code, out } = await run({ input: path.join(FIXTURES, 'host-b.raw.log'), json: false, top: 5 });
  assert.equal(code, 0);
  for (const title of ['Executables', 'Files', 'Audit keys', 'Syscalls']) assert.match(out, new RegExp(`^${title}`, 'm'));
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'host-b.raw.log.expected.json'), 'utf8'));
  const execve = expected.syscalls.find((s: { syscall: string }) => s.syscall === 'execve').count;
  assert.match(out, new RegExp(`^\\s*${execve}\\s+\\d+(\\.\\d+)?\\s+execve$`, 'm'));
});

test('unknown source: exit 2 listing the supported sources', async () => {
  const { code, err } = await run({ source: 'nope' });
  assert.equal(code, 2);
  assert.match(err, /unknown source 'nope'; supported sources: linux-audit/);
});

test('missing input file: one clear line, exit 1', async () => {
  const { code, err } = await run({ input: '/nonexistent/audit.log' });
  assert.equal(code, 1);
  assert.equal(err, 'fleettune-agent: input file not found: /nonexistent/audit.log\n');
});

test('the built CLI prints one JSON object', { skip: !existsSync(MAIN) && 'apps/agent/dist/main.js not built' }, () => {
  const log = path.join(FIXTURES, 'host-a.enriched.log');
  const res = spawnSync(process.execPath, [MAIN, 'report', '--source', 'linux-audit', '--input', log, '--json', '--top', '1000'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const r = JSON.parse(res.stdout) as ActivityReport;
  const expected = JSON.parse(readFileSync(log + '.expected.json', 'utf8'));
  assert.equal(r.events, expected.events);
  const bad = spawnSync(process.execPath, [MAIN, 'report', '--source', 'bogus', '--input', log], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});

test('report loads neither gRPC nor the other sources (start-up CPU a user times)', { skip: !existsSync(MAIN) && 'apps/agent/dist/main.js not built' }, () => {
  const log = path.join(FIXTURES, 'host-b.raw.log');
  // Prints every module the process loaded, at exit, to stderr.
  const hook = path.join(mkdtempSync(path.join(tmpdir(), 'report-modules-')), 'hook.js');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));\n");
  const res = spawnSync(process.execPath, ['-r', hook, MAIN, 'report', '--input', log, '--json'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const loaded = JSON.parse(res.stderr) as string[];
  assert.ok(
    loaded.some((m) => m.includes('audit-line-parser')),
    'the audit parser is loaded',
  );
  for (const m of loaded)
    assert.doesNotMatch(
      m,
      /@grpc|@bufbuild|libs\/(proto|mdatp|cisco|tracers|eslogger|fanotify)\/|mdatp-sources|tracer-sources|privacy-mode|batch-redaction/,
      m,
    );
});
