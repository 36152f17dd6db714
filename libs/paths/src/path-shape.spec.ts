import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PathShape } from './path-shape';
import { baseName, extensionOf, extensionSuffixes, parentDir, hasControlChars, isSameOrUnder } from './path-parts';

test('numbered siblings group into one wildcard', () => {
  const paths = Array.from({ length: 1200 }, (_, i) => `/var/cache/app/chunk-${i + 1}.tmp`);
  const groups = new PathShape().group([...paths, '/var/cache/app/index.db']);
  const chunk = groups.find((x) => x.kind === 'wildcard');
  assert.ok(chunk);
  assert.equal(chunk.pattern, '/var/cache/app/chunk-*.tmp');
  assert.equal(chunk.members.length, 1200);
  assert.deepEqual(groups.find((x) => x.kind === 'path')?.pattern, '/var/cache/app/index.db');
});

test('fully random names collapse to the directory', () => {
  const paths = ['3f2a9c1e7b', 'a1b2c3d4e5f6', '9e8d7c6b5a4f'].map((n) => `/opt/x/spool/${n}`);
  const [g] = new PathShape().group(paths);
  assert.equal(g.kind, 'directory');
  assert.equal(g.pattern, '/opt/x/spool');
});

test('too few siblings stay literal', () => {
  const groups = new PathShape().group(['/a/b/log-1.txt', '/a/b/log-2.txt']);
  assert.deepEqual(
    groups.map((x) => x.kind),
    ['path', 'path'],
  );
});

test('shapes of common generated names', () => {
  assert.equal(PathShape.shapeOfName('tmpa8Bc3zQ'), '*');
  assert.equal(PathShape.shapeOfName('0b5e1c2a-1f2e-4d3c-9b8a-7f6e5d4c3b2a.json'), '*.json');
  assert.equal(PathShape.shapeOfName('syslog.12.gz'), 'syslog.*.gz');
  assert.equal(PathShape.shapeOfName('README'), 'README');
});

test('path parts', () => {
  assert.equal(baseName('/a/b/c.log'), 'c.log');
  assert.equal(parentDir('/a/b/c.log'), '/a/b');
  assert.equal(parentDir('/a'), '/');
  assert.equal(extensionOf('/a/B.LOG'), '.log');
  assert.equal(extensionOf('/a/.bashrc'), '');
  assert.deepEqual(extensionSuffixes('/lib/m/x.ko.gz'), ['.ko.gz', '.gz']);
  assert.ok(hasControlChars('a\nb'));
  assert.ok(!hasControlChars('a b é'));
  assert.ok(isSameOrUnder('/usr/lib/x', '/usr/lib'));
  assert.ok(!isSameOrUnder('/usr/lib64', '/usr/lib'));
});

test('property: every input path lands in exactly one group, whose pattern stays in its directory', () => {
  const name = fc.stringMatching(/^[a-z]{1,5}-?[0-9]{0,4}\.(log|tmp|db)$/);
  fc.assert(
    fc.property(fc.array(name, { maxLength: 40 }), (names) => {
      const paths = [...new Set(names.map((n) => `/srv/d/${n}`))];
      const groups = new PathShape().group(paths);
      const members = groups.flatMap((x) => x.members).sort();
      assert.deepEqual(members, [...paths].sort());
      for (const gr of groups) assert.ok(gr.pattern.startsWith('/srv/d'));
    }),
  );
});
