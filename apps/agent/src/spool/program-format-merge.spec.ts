import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CountBatch, ExecCount, ProgramFormat } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import { execCount } from '@fleettune/proto/dist/testing/exec-count';
import { LINUX_SYSTEM_UID_MAX, UserPathRedactor } from '@fleettune/paths';
import { redactBatch } from '../privacy/batch-redaction';
import { ResumableWindowAggregator } from '../live/resumable-window-aggregator';
import { BatchSpool } from './batch-spool';
import { mergeBatches } from './batch-merge';

// Issue 19 item 4: ExecCount.program_format survives every way the agent combines rows.
const { PROGRAM_FORMAT_ELF: ELF, PROGRAM_FORMAT_SCRIPT: SCRIPT, PROGRAM_FORMAT_UNREADABLE: UNREADABLE, PROGRAM_FORMAT_MACH_O: MACH_O } = ProgramFormat;

function batch(windowStartMs: number, execs: ExecCount[]): CountBatch {
  return countBatch({ sequence: windowStartMs / 60_000, windowStartMs, source: 'bcc-execsnoop', execs });
}

const row = (path: string, count: number, programFormat?: ProgramFormat): ExecCount =>
  execCount(path, count, programFormat, { parentPath: '/opt/acme/acmed', user: '0' });

const formats = (b: CountBatch) => Object.fromEntries(b.execs.map((r) => [r.path, [r.count, r.programFormat]]));

test('windows merged into one batch: a script in either wins over a binary, a binary over unreadable, unknown only when every window said nothing', () => {
  const a = batch(60_000, [
    row('/opt/acme/job', 2, ELF),
    row('/opt/acme/helper', 1, UNREADABLE),
    row('/opt/acme/gone', 1, UNREADABLE),
    row('/opt/acme/old', 1),
  ]);
  const b = batch(120_000, [row('/opt/acme/job', 3, SCRIPT), row('/opt/acme/helper', 4, MACH_O), row('/opt/acme/gone', 1), row('/opt/acme/old', 1)]);
  const want = { '/opt/acme/job': [5, SCRIPT], '/opt/acme/helper': [5, MACH_O], '/opt/acme/gone': [2, UNREADABLE], '/opt/acme/old': [2, undefined] };
  assert.deepEqual(formats(mergeBatches(a, b)), want);
  assert.deepEqual(formats(mergeBatches(b, a)), want, 'order does not matter');
  // And on the wire: the merged batch encodes and decodes with the formats.
  assert.deepEqual(formats(CountBatch.decode(CountBatch.encode(mergeBatches(a, b)).finish())), want);
});

test('the spool at its bound merges windows and keeps the formats (a script stays a script)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-spool-fmt-'));
  try {
    const s = new BatchSpool(dir, { maxBytes: 2_500 });
    for (let i = 1; i <= 60; i++) {
      const { sequence: _s, ...b } = batch(i * 60_000, [row('/opt/acme/job', 1, i === 30 ? SCRIPT : ELF), row('/opt/acme/bin', 1, i % 2 ? ELF : undefined)]);
      void _s;
      s.append(b);
    }
    assert.ok(s.stats().mergedBatches > 0, 'merged');
    const all = s.unacked();
    const byPath = (p: string) => all.flatMap((b) => b.execs.filter((r) => r.path === p));
    assert.equal(
      byPath('/opt/acme/job').reduce((n, r) => n + r.count, 0),
      60,
    );
    const scriptRows = byPath('/opt/acme/job').filter((r) => r.programFormat === SCRIPT);
    assert.equal(scriptRows.length, 1, 'the batch holding window 30 says script');
    assert.ok(byPath('/opt/acme/bin').every((r) => r.programFormat === ELF || r.programFormat === undefined));
    assert.ok(byPath('/opt/acme/bin').some((r) => r.programFormat === ELF));
    s.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--redact-users: rows that become one keep the stronger format; the format itself is kept', () => {
  const r = new UserPathRedactor([{ name: 'dave', uid: 1002, home: '/home/dave', shell: '/bin/bash' }], LINUX_SYSTEM_UID_MAX);
  const b = batch(60_000, [
    { path: '/home/dave/bin/sync', parentPath: '', user: 'dave', count: 2, programFormat: ELF },
    { path: '/home/erin/bin/sync', parentPath: '', user: 'erin', count: 3, programFormat: SCRIPT },
    { path: '/usr/local/bin/tool', parentPath: '', user: 'root', count: 1, programFormat: ELF },
  ]);
  const red = redactBatch(b, r);
  assert.equal(red.usersRedacted, true);
  assert.deepEqual(
    red.execs.map((e) => [e.path, e.count, e.programFormat]),
    [
      ['/home/*/bin/sync', 5, SCRIPT],
      ['/usr/local/bin/tool', 1, ELF],
    ],
  );
});

test('a checkpoint of open windows keeps what the source said (restart of a live source)', () => {
  const agg = new ResumableWindowAggregator('eslogger', 60_000);
  agg.add({ timestampMs: 1_000, files: [], keys: [], exec: { path: '/opt/acme/job', parentPath: '/bin/zsh', user: '501', format: 'script' } });
  agg.add({ timestampMs: 2_000, files: [], keys: [], exec: { path: '/opt/acme/job', parentPath: '/sbin/launchd', user: '501' } });
  const snap = JSON.parse(JSON.stringify(agg.snapshot()));
  const again = new ResumableWindowAggregator('eslogger', 60_000);
  again.restore(snap);
  const [w] = again.flushAll();
  assert.deepEqual(w.execs.map((e) => [e.parentPath, e.count, e.format]).sort(), [
    ['/bin/zsh', 1, 'script'],
    ['/sbin/launchd', 1, 'script'],
  ]);
  // A checkpoint written before formats existed restores as before.
  const old = new ResumableWindowAggregator('eslogger', 60_000);
  old.restore({ lastTimestampMs: 1_000, windows: [{ startMs: 0, events: 1, skipped: 0, execs: [['/bin/ls', '', '', 1]], files: [], keys: [], syscalls: [] }] });
  assert.deepEqual(old.flushAll()[0].execs, [{ path: '/bin/ls', parentPath: '', user: '', count: 1 }]);
});
