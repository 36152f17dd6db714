import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findFileFamilies } from './file-name-families';

const opts = { extensionMinDirectories: 3, filenameMinDirectories: 2 };

test('extensions and names count distinct directories, not files', () => {
  const paths = [
    '/var/log/a/a.log',
    '/var/log/b/b.log',
    '/var/log/c/c.log',
    // 50 numbered logs in one directory are one directory.
    ...Array.from({ length: 50 }, (_, i) => `/var/lib/x/part-${i}.dat`),
    '/home/*/src/r1/.git/index.lock',
    '/home/*/src/r2/.git/index.lock',
    '/home/*/.bashrc',
    '/root/.bashrc',
    '/home/*/logs/*.log',
  ];
  const { families, extensionFamilyOf, nameFamilyOf } = findFileFamilies(paths, opts);
  assert.deepEqual(
    families.map((f) => [f.type, f.value, f.directories, f.paths]),
    [
      ['extension', '.log', 3, 3],
      ['filename', '.bashrc', 2, 2],
      ['filename', 'index.lock', 2, 2],
    ],
  );
  assert.equal(extensionFamilyOf[0], 0);
  assert.equal(extensionFamilyOf[3], -1, '.dat lives in one directory');
  assert.equal(nameFamilyOf[53], 2);
  assert.equal(nameFamilyOf[paths.length - 1], -1, 'a wildcard name is no literal name');
  assert.equal(extensionFamilyOf[paths.length - 1], -1, 'nor an extension');
});

test('property: a family has at least the minimum directories, and its members really share the key', () => {
  const seg = fc.stringMatching(/^[a-c]{1,2}$/);
  const name = fc.constantFrom('x.log', 'y.log', 'index.lock', 'LOCK', 'a.b.gz', '.hidden', 'noext');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.array(seg, { minLength: 1, maxLength: 3 }), name), { maxLength: 60 }), (specs) => {
      const paths = specs.map(([dirs, n]) => `/${dirs.join('/')}/${n}`);
      const r = findFileFamilies(paths, opts);
      for (const f of r.families) {
        const members = paths.filter((_, i) => (f.type === 'extension' ? r.extensionFamilyOf[i] : r.nameFamilyOf[i]) === r.families.indexOf(f));
        const dirs = new Set(members.map((p) => p.slice(0, p.lastIndexOf('/'))));
        assert.equal(dirs.size, f.directories);
        assert.equal(members.length, f.paths);
        assert.ok(f.directories >= (f.type === 'extension' ? 3 : 2));
        for (const m of members) {
          const base = m.slice(m.lastIndexOf('/') + 1);
          if (f.type === 'filename') assert.equal(base, f.value);
          else assert.ok(base.toLowerCase().endsWith(f.value) && f.value.startsWith('.'));
        }
      }
    }),
  );
});
