import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { extractSupportFiles, orderSupportFiles, readTar, readZip, supportFileRole } from './archive-reader';
import { fixture } from './testing/helpers';

const ZIP = fixture('support_package.zip');

test('support package zip: deflated and stored entries, ampdaemon.log from the nested syslog.tar', () => {
  const { files, problems } = extractSupportFiles(ZIP);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    files.map((f) => f.name),
    ['zip!AMP_Support/execs.txt', 'zip!AMP_Support/fileops.txt', 'zip!AMP_Support/syslog.tar!Library/Logs/Cisco/ampdaemon.log'],
  );
  assert.deepEqual(files[0].data, fixture('execs.txt'));
  assert.deepEqual(files[1].data, fixture('fileops.txt'));
  assert.deepEqual(files[2].data, fixture('ampdaemon.log'));
});

test('readZip lists every entry when asked; a zip cut short is an error, not a throw', () => {
  const all = readZip(ZIP);
  assert.deepEqual(
    all.entries.map((e) => e.name),
    ['AMP_Support/execs.txt', 'AMP_Support/fileops.txt', 'AMP_Support/syslog.tar', 'AMP_Support/other/big.bin'],
  );
  assert.equal(all.entries[3].data!.length, 1000);
  assert.match(readZip(ZIP.subarray(0, ZIP.length - 30)).error!, /cut short/);
  const bad = extractSupportFiles(ZIP.subarray(0, 200));
  assert.deepEqual(bad.files, []);
  assert.equal(bad.problems.length, 1);
});

test('a gzip-compressed tar is read too', () => {
  const tar = extractTarOf(ZIP);
  const r = readTar(zlib.gzipSync(tar));
  assert.deepEqual(
    r.entries.map((e) => e.name),
    ['Library/Logs/Cisco/ampdaemon.log', 'var/log/system.log'],
  );
  assert.match(readTar(tar.subarray(0, 1000)).error!, /cut short/);
});

function extractTarOf(zip: Buffer): Buffer {
  return readZip(zip, (n) => n.endsWith('.tar')).entries[0].data!;
}

test('support file roles and reading order', () => {
  assert.equal(supportFileRole('x/ampdaemon.log.3'), 'log');
  assert.equal(supportFileRole('dscl_users.txt'), 'users');
  assert.equal(supportFileRole('x/notes.txt'), undefined);
  assert.deepEqual(
    orderSupportFiles([
      { name: 'a/ampdaemon.log' },
      { name: 'a/ampdaemon.log.2' },
      { name: 'fileops.txt' },
      { name: 'dscl.txt' },
      { name: 'a/ampdaemon.log.1' },
      { name: 'z.bin' },
    ]).map((f) => f.name),
    ['dscl.txt', 'fileops.txt', 'a/ampdaemon.log.2', 'a/ampdaemon.log.1', 'a/ampdaemon.log'],
  );
});

test('property: damaged archives never throw', () => {
  fc.assert(
    fc.property(fc.nat(ZIP.length), fc.array(fc.tuple(fc.nat(ZIP.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }), (cut, flips) => {
      const b = Buffer.from(ZIP.subarray(0, Math.max(cut, 0)));
      for (const [at, v] of flips) if (at < b.length) b[at] = v;
      extractSupportFiles(b);
      readTar(b);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (a) => {
      extractSupportFiles(Buffer.from(a));
      readTar(Buffer.from(a));
    }),
    { numRuns: 300 },
  );
});
