import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runReport } from '../commands/report-command';
import { executableFormatOf, executableFormatOfFile } from './executable-format';

test('formats from magic bytes: ELF, Mach-O thin (both byte orders) and fat, #! scripts, a Java class is not fat', () => {
  const b = (...bytes: number[]) => Buffer.from(bytes);
  assert.equal(executableFormatOf(b(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0)), 'elf');
  assert.equal(executableFormatOf(b(0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1)), 'mach-o'); // MH_MAGIC_64 little-endian (x86_64, arm64)
  assert.equal(executableFormatOf(b(0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 18)), 'mach-o'); // MH_MAGIC big-endian (ppc)
  assert.equal(executableFormatOf(b(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2)), 'mach-o'); // universal: 2 architectures
  assert.equal(executableFormatOf(b(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52)), 'other'); // Java class file, version 52
  assert.equal(executableFormatOf(Buffer.from('#!/bin/bash\n')), 'script');
  assert.equal(executableFormatOf(Buffer.from('echo hi\n')), 'other');
  assert.equal(executableFormatOf(Buffer.alloc(0)), 'other');
});

test('real files: an extension-less #! script is a script, the node binary is a binary, a directory is unreadable', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-exec-format-'));
  const script = path.join(dir, 'provision-helper');
  fs.writeFileSync(script, '#!/bin/bash\necho provisioning\n', { mode: 0o755 });
  assert.equal(executableFormatOfFile(script), 'script');
  assert.equal(executableFormatOfFile(process.execPath), process.platform === 'darwin' ? 'mach-o' : 'elf');
  assert.equal(executableFormatOfFile(dir), 'unreadable');
  assert.equal(executableFormatOfFile(path.join(dir, 'missing')), 'unreadable');
});

test("report names each executable's format where it can read the file, so a script is never taken for a Mach-O/ELF program", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-exec-format-report-'));
  const script = path.join(dir, 'provision-helper');
  fs.writeFileSync(script, '#!/bin/bash\necho provisioning\n', { mode: 0o755 });
  // bcc execsnoop -T rows of the script and of a real binary (this node).
  const input =
    ['TIME     PCOMM            PID    PPID   RET ARGS', `12:00:00 provision-helper 100 1 0 ${script}`, `12:00:01 node 101 1 0 ${process.execPath} -v`].join(
      '\n',
    ) + '\n';
  let out = '';
  let err = '';
  const code = await runReport(
    { source: 'bcc-execsnoop', input: '-', top: 10, json: true },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: Readable.from([Buffer.from(input)]) },
  );
  assert.equal(code, 0, err);
  const r = JSON.parse(out) as { execs: Array<{ path: string; format?: string }> };
  const byPath = new Map(r.execs.map((e) => [e.path, e.format]));
  assert.equal(byPath.get(script), 'script', out);
  assert.equal(byPath.get(process.execPath), process.platform === 'darwin' ? 'mach-o' : 'elf', out);
});
