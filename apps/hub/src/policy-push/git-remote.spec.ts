import assert from 'node:assert/strict';
import { test } from 'node:test';
import { branchProblem, directoryProblem, parseGitRemote, redactRemote } from './git-remote';

test('file:// remotes only when the hub allows local repositories', () => {
  assert.match((parseGitRemote('file:///srv/policy.git', false) as { problem: string }).problem, /FLEETTUNE_POLICY_GIT_ALLOW_LOCAL/);
  assert.deepEqual(parseGitRemote('file:///srv/policy.git', true), {
    scheme: 'file',
    url: 'file:///srv/policy.git',
    display: 'file:///srv/policy.git',
    hasCredentials: false,
  });
  assert.ok('problem' in parseGitRemote('file://otherhost/srv/policy.git', true));
});

test('https credentials are split from the shown URL; ssh keeps its user and refuses a password', () => {
  const r = parseGitRemote('https://bot:tok3n-value@git.example.com/acme/policy.git', false);
  assert.ok(!('problem' in r));
  assert.equal(r.display, 'https://git.example.com/acme/policy.git');
  assert.equal(r.host, 'git.example.com');
  assert.equal(r.hasCredentials, true);
  const s = parseGitRemote('ssh://git@git.example.com:2222/acme/policy.git', false);
  assert.ok(!('problem' in s));
  assert.equal(s.display, 'ssh://git@git.example.com:2222/acme/policy.git');
  assert.equal(s.hasCredentials, false);
  assert.ok('problem' in parseGitRemote('ssh://git:pw@git.example.com/acme/policy.git', false));
  for (const bad of [
    'git@github.com:acme/p.git',
    'ext::sh -c id',
    'http://git.example.com/p.git',
    'https://git.example.com/',
    'https://-oProxyCommand=id/p.git',
    'https://h/p.git?x=1',
  ]) {
    assert.ok('problem' in parseGitRemote(bad, true), bad);
  }
});

test('git output never carries the token', () => {
  const remote = { url: 'https://bot:tok3n-value@git.example.com/p.git', display: 'https://git.example.com/p.git' };
  const out = redactRemote("fatal: unable to access 'https://bot:tok3n-value@git.example.com/p.git/': 403; token tok3n-value", remote);
  assert.doesNotMatch(out, /tok3n-value/);
  assert.match(out, /https:\/\/git\.example\.com\/p\.git/);
});

test('branch and directory names that could be options, escapes or refspec tricks are refused', () => {
  for (const b of ['-x', '--upload-pack=id', 'a..b', 'a//b', '/a', 'a/', 'a.lock', '.hidden', 'a b', 'HEAD:refs/heads/x', 'x~1', ''])
    assert.ok(branchProblem(b), b);
  for (const b of ['main', 'policy/edr', 'release-1.2']) assert.equal(branchProblem(b), undefined, b);
  for (const d of ['..', 'a/../b', '/abs', '.git', 'x/.GIT/hooks', 'a b', 'a//b']) assert.ok(directoryProblem(d), d);
  for (const d of ['', 'files', 'modules/edr/files', 'a.b_c-d']) assert.equal(directoryProblem(d), undefined, d);
});
