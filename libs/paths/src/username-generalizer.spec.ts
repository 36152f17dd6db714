import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsernameGeneralizer } from './username-generalizer';

const g = new UsernameGeneralizer();

test('per-user home and runtime locations become one pattern', () => {
  assert.equal(g.generalizePath('/home/alice/.cache/pip/x'), '/home/*/.cache/pip/x');
  assert.equal(g.generalizePath('/Users/bob/Library/Logs/app.log'), '/Users/*/Library/Logs/app.log');
  assert.equal(g.generalizePath('/Users/Shared/Jamf/x.log'), '/Users/Shared/Jamf/x.log');
  assert.equal(g.generalizePath('/run/user/1000/bus'), '/run/user/*/bus');
  assert.equal(g.generalizePath('/root/.cache/x'), '/root/.cache/x');
  assert.equal(g.generalizePath('/home/alice'), '/home/*');
  assert.equal(g.generalizePath('/usr/bin/grep'), '/usr/bin/grep');
});

test('macOS per-user temp folders resolve to the real /private path', () => {
  assert.equal(g.generalizePath('/private/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/tmp.x1'), '/private/var/folders/*/*/T/tmp.x1');
  assert.equal(g.generalizePath('/var/folders/ab/cd_ef/C/com.app/x'), '/private/var/folders/*/*/C/com.app/x');
  assert.equal(g.generalizePath('/System/Volumes/Data/Users/carol/x'), '/Users/*/x');
});

test('reports the removed user and hides it elsewhere in the path', () => {
  const r = g.generalize('/home/alice/projects/alice-notes/alice');
  assert.equal(r.removedUser, 'alice');
  assert.equal(r.path, '/home/*/projects/*-notes/*');
  assert.equal(g.generalizePath('/var/mail/dave', 'dave'), '/var/mail/*');
  // Structural prefixes are never rewritten even when a user is named like them.
  assert.equal(g.generalizePath('/home/home/x'), '/home/*/x');
});

test('known per-host names are hidden outside home directories too', () => {
  assert.equal(g.generalizePath('/var/tmp/buildcache/alice/chunk-7.tmp', ['alice']), '/var/tmp/buildcache/*/chunk-7.tmp');
  assert.equal(g.generalizePath('/srv/alice.smith/x-alice', ['alice', 'alice.smith']), '/srv/*/x-*');
  assert.equal(g.generalizePath('/home/bob/alice/x', ['alice', 'bob']), '/home/*/*/x');
  assert.equal(g.generalizePath('/var/lib/app/x', []), '/var/lib/app/x');
});

test('normalizes duplicate and trailing slashes', () => {
  assert.equal(g.generalizePath('/home//alice/x/'), '/home/*/x');
});

const userName = fc.stringMatching(/^[a-z][a-z0-9_.-]{2,11}$/).filter((u) => u !== 'Shared');
const segment = fc.stringMatching(/^[A-Za-z0-9 ._-]{1,12}$/);

test('property: the output never contains the home-directory user name', () => {
  fc.assert(
    fc.property(fc.constantFrom('/home/', '/Users/'), userName, fc.array(segment, { maxLength: 5 }), fc.boolean(), (root, user, rest, embed) => {
      const tail = embed ? [...rest, `x${user}y`, user] : rest;
      const input = root + [user, ...tail].join('/');
      const out = g.generalize(input);
      assert.equal(out.removedUser, user);
      assert.ok(
        !out.path
          .split('/')
          .slice(2)
          .some((s) => s.includes(user)),
        `${input} -> ${out.path}`,
      );
    }),
    { numRuns: 500 },
  );
});

test('property: generalizing is idempotent', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('/home/', '/Users/', '/run/user/', '/var/folders/a/', '/opt/'),
      fc.array(segment, { minLength: 1, maxLength: 6 }),
      (root, segs) => {
        const once = g.generalizePath(root + segs.join('/'));
        assert.equal(g.generalizePath(once), once);
      },
    ),
  );
});
