import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WindowCounts } from '@fleettune/counting';
import { ProgramFormatCache } from './program-format-cache';

/** An extension-less #!/bin/sh script and a copy of a real ELF (or Mach-O) binary, as a host has them. */
function programs(): { dir: string; script: string; binary: string; binaryFormat: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-progfmt-cache-'));
  const script = path.join(dir, 'sync-job');
  fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const binary = path.join(dir, 'acme-helper');
  fs.copyFileSync(fs.existsSync('/bin/true') ? '/bin/true' : process.execPath, binary);
  return { dir, script, binary, binaryFormat: process.platform === 'darwin' ? 'mach-o' : 'elf' };
}

test('reads each program file once: script, binary, unreadable; a path that is not absolute is not read', () => {
  const p = programs();
  try {
    const cache = new ProgramFormatCache();
    assert.equal(cache.formatOf(p.script), 'script');
    assert.equal(cache.formatOf(p.binary), p.binaryFormat);
    assert.equal(cache.formatOf(p.dir), 'unreadable', 'a directory');
    assert.equal(cache.formatOf(path.join(p.dir, 'gone')), 'unreadable', 'a missing file');
    assert.equal(cache.formatOf('/dev/null'), 'unreadable', 'a device is never opened for reading');
    assert.equal(cache.formatOf('sync-job'), undefined);
    assert.equal(cache.formatOf('(unknown)'), undefined);
    assert.equal(cache.reads, 5);
    for (let i = 0; i < 100; i++) cache.formatOf(p.script);
    assert.equal(cache.reads, 5, 'answered from the cache');
  } finally {
    fs.rmSync(p.dir, { recursive: true, force: true });
  }
});

test('bounded: at most maxEntries paths, the oldest forgotten first; a reading older than maxAgeMs is taken again', () => {
  let now = 0;
  const read: string[] = [];
  const cache = new ProgramFormatCache({ maxEntries: 2, maxAgeMs: 1000, now: () => now, readFormat: (p) => (read.push(p), 'elf') });
  cache.formatOf('/a');
  cache.formatOf('/b');
  cache.formatOf('/c');
  assert.equal(cache.size, 2);
  cache.formatOf('/b');
  cache.formatOf('/a');
  assert.deepEqual(read, ['/a', '/b', '/c', '/a']);
  now = 5000;
  cache.formatOf('/c');
  assert.deepEqual(read, ['/a', '/b', '/c', '/a', '/c'], 'a program replaced by an update is read again');
});

test("annotate: every exec row gets its file's format; what the source said (eslogger's exec.script) wins; counts unchanged", () => {
  const p = programs();
  try {
    const w: WindowCounts = {
      source: 'bcc-execsnoop',
      windowStartMs: 0,
      windowEndMs: 60_000,
      events: 6,
      skipped: 0,
      execs: [
        { path: p.script, parentPath: '', user: '0', count: 3 },
        { path: p.binary, parentPath: p.script, user: '0', count: 1 },
        { path: p.binary, parentPath: '/sbin/init', user: '0', count: 1, format: 'script' },
        { path: 'relative-name', parentPath: '', user: '', count: 1 },
      ],
      files: [],
      keys: [],
      syscalls: [],
    };
    const out = new ProgramFormatCache().annotate(w);
    assert.deepEqual(
      out.execs.map((r) => [r.path, r.count, r.format]),
      [
        [p.script, 3, 'script'],
        [p.binary, 1, p.binaryFormat],
        [p.binary, 1, 'script'],
        ['relative-name', 1, undefined],
      ],
    );
    assert.equal(out.events, 6);
    assert.equal(w.execs[0].format, undefined, 'the input window is not changed');
  } finally {
    fs.rmSync(p.dir, { recursive: true, force: true });
  }
});
