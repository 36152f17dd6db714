import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ObservedEvent } from '@fleettune/counting';
import { findEventSource, SUPPORTED_SOURCE_NAMES } from './event-sources';
import { EsloggerProcessSource } from './eslogger-source';
import { FatraceProcessSource } from './fanotify-source';
import { InputError } from './open-input';
import { findExecutable } from './spawned-tool';

const LIBS = path.join(__dirname, '..', '..', '..', '..', 'libs');

async function readWith(name: string, file: string, chunk = 4096) {
  const source = await findEventSource(name);
  assert.ok(source, name);
  const buf = readFileSync(file);
  async function* chunks() {
    for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
  }
  const events: ObservedEvent[] = [];
  const skips: string[] = [];
  let bytes = 0;
  const result = await source.read(chunks(), (e) => events.push(e), { onBytes: (n) => (bytes += n), onSkip: (r) => skips.push(r) });
  assert.equal(bytes, buf.length);
  assert.equal(skips.length, result.skipped);
  return { events, result };
}

test('the registry knows the fanotify, eslogger, DTrace and bcc sources', async () => {
  for (const n of ['fanotify', 'eslogger', 'dtrace-newproc', 'dtrace-iosnoop', 'bcc-execsnoop', 'bcc-opensnoop']) {
    assert.ok(SUPPORTED_SOURCE_NAMES.includes(n), n);
  }
  // Each name loads the source of that name (the registry loads them lazily).
  for (const n of SUPPORTED_SOURCE_NAMES) assert.equal((await findEventSource(n))?.name, n);
});

test('fanotify reads recorded fatrace text and -j JSON alike', async () => {
  const text = await readWith('fanotify', path.join(LIBS, 'fanotify/fixtures/recorded/workload-text-tt-u.txt'));
  const json = await readWith('fanotify', path.join(LIBS, 'fanotify/fixtures/recorded/workload-json-tt-u-e-P.jsonl'));
  for (const r of [text, json]) {
    assert.equal(r.result.skipped, 0);
    assert.equal(r.result.events, r.events.length);
    assert.ok(r.events.some((e) => e.files.some((f) => f.op === 'rename' && f.path === '/tmp/fatrace-workload-mnt')));
    assert.ok(r.result.firstTimestampMs! > Date.UTC(2026, 0, 1));
  }
  assert.ok(json.events.some((e) => e.files.some((f) => f.processPath === '/usr/bin/bash')));
});

test('eslogger, bcc and DTrace sources read their fixtures', async () => {
  const es = await readWith('eslogger', path.join(LIBS, 'eslogger/fixtures/eslogger_real_captures.jsonl'), 700);
  assert.equal(es.result.events, 4);
  assert.equal(es.events.filter((e) => e.exec).length, 2);
  const ex = await readWith('bcc-execsnoop', path.join(LIBS, 'tracers/fixtures/bcc_execsnoop_output_excerpt.txt'), 50);
  assert.equal(ex.result.events, 20);
  assert.deepEqual(ex.result.skippedReasons, { comment: 4 });
  const op = await readWith('bcc-opensnoop', path.join(LIBS, 'tracers/fixtures/bcc_opensnoop_output_excerpt.txt'));
  assert.equal(op.result.events, 26);
  const io = await readWith('dtrace-iosnoop', path.join(LIBS, 'tracers/fixtures/iosnoop_public_examples.txt'));
  assert.equal(io.result.events, 14);
  const np = await readWith('dtrace-newproc', path.join(LIBS, 'tracers/fixtures/newproc_macos_constructed.txt'));
  assert.equal(np.result.events, 3);
});

test('FatraceProcessSource: a clear InputError when fatrace is not installed, and nothing spawned', () => {
  const src = new FatraceProcessSource({ envPath: '/nonexistent' });
  assert.throws(
    () => src.start(),
    (err: unknown) => err instanceof InputError && /fatrace not found on PATH: install it/.test(err.message),
  );
  const es = new EsloggerProcessSource({ envPath: '/nonexistent' });
  assert.throws(
    () => es.start(),
    (err: unknown) => err instanceof InputError && /eslogger not found on PATH/.test(err.message),
  );
});

test('FatraceProcessSource: asks for -j -tt -e when the binary supports them, streams its output to the parser', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-fatrace-'));
  try {
    const fake = path.join(dir, 'fatrace');
    // a stand-in that answers --help like fatrace 0.19 and prints its argv as an event path
    writeFileSync(
      fake,
      '#!/bin/sh\nif [ "$1" = --help ]; then echo "  -j, --json  Write events in JSONL format."; echo "  -e, --exe"; exit 0; fi\n' +
        'echo "{\\"timestamp\\":1795499205.5,\\"pid\\":7,\\"types\\":\\"CW\\",\\"path\\":\\"/args/$*\\",\\"exe\\":\\"/bin/x\\"}"\n' +
        'echo "bash(9): + /tmp"\n',
    );
    chmodSync(fake, 0o755);
    assert.equal(findExecutable('fatrace', dir), fake);
    assert.deepEqual(FatraceProcessSource.capabilities('fatrace', dir), { json: true, exe: true });
    const src = new FatraceProcessSource({ envPath: dir, ignorePids: [4242] });
    const events: ObservedEvent[] = [];
    const r = await (await findEventSource('fanotify'))!.read(src.start(), (e) => events.push(e));
    assert.equal(r.events, 2);
    assert.deepEqual(events[0].files, [{ path: `/args/-j -tt -e -p ${process.pid} -p 4242`, op: 'modify', processPath: '/bin/x' }]);
    assert.equal(events[0].timestampMs, 1795499205500);
    assert.deepEqual(events[1].files, [{ path: '/tmp', op: 'create', processPath: '' }]);
    assert.deepEqual(FatraceProcessSource.argsFor({ json: false, exe: false }), ['-tt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a spawned tool that fails reports its exit and stderr', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-eslogger-'));
  try {
    writeFileSync(path.join(dir, 'eslogger'), '#!/bin/sh\necho "Not permitted to create an ES Client" >&2\nexit 69\n');
    chmodSync(path.join(dir, 'eslogger'), 0o755);
    const src = new EsloggerProcessSource({ envPath: dir });
    await assert.rejects(
      (await findEventSource('eslogger'))!.read(src.start(), () => undefined),
      (err: unknown) => err instanceof InputError && /exited with 69: Not permitted to create an ES Client/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'FatraceProcessSource with the real fatrace (root only): sees a file another process writes, not its own',
  { skip: process.getuid?.() !== 0 || !findExecutable('fatrace') },
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'real-fatrace-'));
    const src = new FatraceProcessSource();
    const events: ObservedEvent[] = [];
    const reading = (await findEventSource('fanotify'))!.read(src.start(), (e) => events.push(e));
    try {
      const target = path.join(dir, 'written-by-test.txt');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !events.some((e) => e.files.some((f) => f.path === target && f.op === 'modify'))) {
        // another process writes: fatrace -p ignores the agent's (this test's) own pid
        execFileSync('sh', ['-c', `echo x > '${target}'`]);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      src.stop();
      await reading;
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(events.some((e) => e.files.some((f) => f.path.endsWith('/written-by-test.txt') && f.op === 'modify')));
  },
);

test('fatrace -t stamps of a file are put on the day of its mtime', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fatrace-t-'));
  try {
    const file = path.join(dir, 'old.txt');
    writeFileSync(file, '10:00:00.000000 a(1): W /x\n');
    const day = new Date(2024, 1, 29, 18, 0, 0);
    utimesSync(file, day, day);
    const events: ObservedEvent[] = [];
    await (await findEventSource('fanotify'))!.read(createReadStream(file) as AsyncIterable<Buffer>, (e) => events.push(e));
    assert.equal(events[0].timestampMs, new Date(2024, 1, 29, 10, 0, 0).getTime());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
