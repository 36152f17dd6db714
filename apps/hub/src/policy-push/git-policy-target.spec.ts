import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXPORT_FORMATS } from '@fleettune/exporters';
import { PrismaService } from '../database/prisma.service';
import { ConsoleHub, startConsoleHub } from '../testing/console-target-fixture';
import { GitHttpsServer, startGitHttpsServer } from '../testing/git-https-server';

let h: ConsoleHub;
let prisma: PrismaService;
let scratch: string;
let https: GitHttpsServer;
const HTTPS_TOKEN = 'glpat-s3cret-push-token-0123';

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'fleettune-git-spec-'));
  // A self-signed certificate for 127.0.0.1; the hub trusts it through FLEETTUNE_POLICY_GIT_CA_FILE.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(scratch, 'key.pem'),
      '-out',
      join(scratch, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  mkdirSync(join(scratch, 'https-root', 'acme'), { recursive: true });
  https = await startGitHttpsServer(
    join(scratch, 'https-root'),
    { cert: readFileSync(join(scratch, 'cert.pem')), key: readFileSync(join(scratch, 'key.pem')) },
    'bot',
    HTTPS_TOKEN,
  );
  h = await startConsoleHub('git_policy_target_spec', 'linux', {
    FLEETTUNE_POLICY_PUSH_ATTEMPTS: '2',
    FLEETTUNE_POLICY_GIT_ALLOW_LOCAL: '1',
    FLEETTUNE_POLICY_GIT_CA_FILE: join(scratch, 'cert.pem'),
  });
  prisma = h.hub.app.get(PrismaService);
});

after(async () => {
  await h?.close();
  await https?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function bareRepo(name: string): string {
  const dir = join(scratch, name);
  execFileSync('git', ['init', '-q', '--bare', dir]);
  return dir;
}

const gitIn = (repo: string, ...args: string[]) => execFileSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8' });
const commitsOn = (repo: string, branch: string) => {
  try {
    return gitIn(repo, 'rev-list', branch).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

type Item = { id: string; type: string; value: string };

test('git target: one commit of every format with approved items only, none when unchanged, a new one when an approval changes the files', async () => {
  const set = (await h.api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string; version: number; items: Item[] };
  const agent = set.items.find((i) => i.value === '/opt/syncagent/bin/syncagent' && i.type === 'process')!;
  const chunks = set.items.find((i) => i.value === '/var/tmp/buildcache/*/chunk-*.tmp')!;
  const log = set.items.find((i) => i.value === '/home/*/.cache/syncagent/sync.log')!;
  assert.ok(agent && chunks && log, 'fixture items');
  await h.api('POST', `/api/v1/exclusion-items/${agent.id}/decision`, { decision: 'approved', comment: 'vendor agent' }, 'approver');
  await h.api('POST', `/api/v1/exclusion-items/${chunks.id}/decision`, { decision: 'rejected', comment: 'world-writable' }, 'approver');

  const repo = bareRepo('policy.git');
  const created = await h.api('POST', '/api/v1/policy-targets', { name: 'gitops', kind: 'git', url: `file://${repo}`, branch: 'main' });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual([created.body.kind, created.body.branch, created.body.directory, created.body.url], ['git', 'main', '', `file://${repo}`]);

  const first = await h.pushAndWait(created.body.id);
  assert.equal(first.status, 'delivered', JSON.stringify(first));
  const commits = commitsOn(repo, 'main');
  assert.equal(commits.length, 1, 'exactly one commit');
  assert.equal(first.commitSha, commits[0]);
  const names = gitIn(repo, 'ls-tree', '--name-only', 'main').trim().split('\n').sort();
  assert.deepEqual(
    names,
    Object.values(EXPORT_FORMATS)
      .map((f) => f.fileName)
      .sort(),
    'one file per format, stable names',
  );
  for (const name of names) {
    const content = gitIn(repo, 'show', `main:${name}`);
    assert.doesNotMatch(content, /buildcache|chunk-/, `${name}: the rejected item never appears`);
    assert.doesNotMatch(content, /alice|bob/, `${name}: no per-host user names`);
    assert.doesNotMatch(content, /20\d\d-\d\d-\d\dT\d\d:/, `${name}: no timestamps`);
  }
  // The approved process: every format that carries processes has it (MDE formats refuse its child scope, auditd its evidence; issue 19).
  for (const name of ['cisco-secure-endpoint-exclusions.csv', 'cisco-secure-endpoint-exclusions.json']) {
    assert.match(gitIn(repo, 'show', `main:${name}`), /\/opt\/syncagent\/bin\/syncagent/, name);
  }
  const message = gitIn(repo, 'log', '-1', '--format=%B', 'main');
  assert.match(message, new RegExp(`exclusion set v${set.version}\\b`));
  assert.match(message, /Approved by: carol-approver/);

  // Same approved items: no commit, and the push says so.
  const again = await h.pushAndWait(created.body.id);
  assert.equal(again.status, 'unchanged', JSON.stringify(again));
  assert.equal(again.commitSha, null);
  assert.deepEqual(commitsOn(repo, 'main'), commits, 'no new commit');
  // The fleet-wide history shows both, with the commit, as successful pushes.
  const history = (await h.api('GET', `/api/v1/policy-pushes?mode=git&targetId=${created.body.id}`, undefined, 'approver')).body as {
    items: Array<{ id: string; status: string; commitSha: string | null; mode: string }>;
  };
  assert.deepEqual(
    history.items.map((p) => [p.id, p.mode, p.status, p.commitSha]),
    [
      [again.id, 'git', 'unchanged', null],
      [first.id, 'git', 'delivered', commits[0]],
    ],
  );

  // One more approval changes the files: exactly one more commit, on top of the first.
  await h.api('POST', `/api/v1/exclusion-items/${log.id}/decision`, { decision: 'approved', comment: 'app log' }, 'approver');
  const third = await h.pushAndWait(created.body.id);
  assert.equal(third.status, 'delivered', JSON.stringify(third));
  const after = commitsOn(repo, 'main');
  assert.equal(after.length, 2);
  assert.equal(after[1], commits[0], 'the new commit is a child of the first');
  assert.match(gitIn(repo, 'show', 'main:cisco-secure-endpoint-exclusions.json'), /\/home\/\*\/\.cache\/syncagent\/sync\.log/);
  assert.doesNotMatch(gitIn(repo, 'show', 'main:cisco-secure-endpoint-exclusions.json'), /alice|bob/);
  // No clone is left behind in the hub's temp directory.
  assert.deepEqual(
    readdirSync(tmpdir()).filter((d) => d.startsWith('fleettune-git-') && !d.startsWith('fleettune-git-spec-')),
    [],
  );
});

test('git target: directory and branch are honoured; a branch that exists keeps its history and other files', async () => {
  const repo = bareRepo('infra.git');
  // The repository already has a branch with someone's file on it.
  const seed = join(scratch, 'seed');
  execFileSync('git', ['init', '-q', seed]);
  execFileSync('git', ['-C', seed, 'checkout', '-q', '-b', 'policy']);
  execFileSync('sh', ['-c', 'echo "# ops" > README.md'], { cwd: seed });
  execFileSync('git', ['-C', seed, 'add', 'README.md']);
  execFileSync('git', ['-C', seed, '-c', 'user.name=ops', '-c', 'user.email=ops@example.com', 'commit', '-q', '-m', 'ops readme']);
  execFileSync('git', ['-C', seed, 'push', '-q', repo, 'policy']);

  const t = await h.api('POST', '/api/v1/policy-targets', {
    name: 'puppet',
    kind: 'git',
    url: `file://${repo}`,
    branch: 'policy',
    directory: 'modules/edr/files',
  });
  assert.equal(t.status, 201, t.text);
  const r = await h.pushAndWait(t.body.id);
  assert.equal(r.status, 'delivered', JSON.stringify(r));
  assert.equal(commitsOn(repo, 'policy').length, 2, 'one commit on top of the existing one');
  const files = gitIn(repo, 'ls-tree', '-r', '--name-only', 'policy').trim().split('\n').sort();
  assert.deepEqual(files, ['README.md', ...Object.values(EXPORT_FORMATS).map((f) => `modules/edr/files/${f.fileName}`)].sort());
  assert.deepEqual(commitsOn(repo, 'main'), [], 'no other branch touched');
});

test('git target: bad URLs, branches and directories are refused; credentials are sealed, never shown', async () => {
  const bad = async (body: Record<string, unknown>, why: RegExp) => {
    const r = await h.api('POST', '/api/v1/policy-targets', { name: 'x', kind: 'git', ...body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.text}`);
    assert.match(r.text, why);
  };
  await bad({}, /needs a url/);
  await bad({ url: 'git@github.com:acme/policy.git' }, /not a URL|https:\/\/, ssh:\/\/ or file:\/\//);
  await bad({ url: 'ext::sh -c touch% /tmp/pwned' }, /spaces|URL/);
  await bad({ url: 'http://example.com/policy.git' }, /https:\/\/, ssh:\/\/ or file:\/\//);
  await bad({ url: 'https://10.1.2.3/policy.git' }, /private/);
  await bad({ url: 'https://[::1]/policy.git' }, /loopback/);
  await bad({ url: 'ssh://git@169.254.169.254/policy.git' }, /link-local/);
  await bad({ url: 'ssh://git:pw@example.com/policy.git' }, /no password/);
  await bad({ url: 'file:///srv/x.git', branch: '--upload-pack=touch' }, /branch/);
  await bad({ url: 'file:///srv/x.git', branch: 'a..b' }, /branch/);
  await bad({ url: 'file:///srv/x.git', directory: '../outside' }, /directory/);
  await bad({ url: 'file:///srv/x.git', directory: '.git/hooks' }, /directory/);
  await bad({ url: 'file:///srv/x.git', secret: 'a-secret-that-is-long-enough' }, /credentials in the url/);

  // A token in an https URL is stored sealed; the target shows the URL without it.
  const token = 'ghp_s3cretTokenValue1234567890';
  const t = await h.api('POST', '/api/v1/policy-targets', { name: 'gh', kind: 'git', url: `https://x-access-token:${token}@93.184.215.14/acme/policy.git` });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.body.url, 'https://93.184.215.14/acme/policy.git');
  assert.doesNotMatch(JSON.stringify((await h.api('GET', '/api/v1/policy-targets')).body), new RegExp(token));
  const row = await prisma.policyTarget.findUniqueOrThrow({ where: { id: t.body.id } });
  assert.ok(row.secret && !row.secret.includes(token), 'sealed at rest');
  assert.doesNotMatch(row.url ?? '', new RegExp(token));
});

test("git target: a remote that fails is retried, then failed with git's reason", async () => {
  const t = await h.api('POST', '/api/v1/policy-targets', { name: 'gone', kind: 'git', url: `file://${join(scratch, 'missing.git')}` });
  assert.equal(t.status, 201, t.text);
  const r = await h.pushAndWait(t.body.id);
  assert.equal(r.status, 'failed');
  assert.match(r.lastError ?? '', /git ls-remote failed/);
  const attempts = await prisma.policyDeliveryAttempt.count({ where: { pushId: r.id } });
  assert.equal(attempts, 2, 'retried up to FLEETTUNE_POLICY_PUSH_ATTEMPTS');
});

test('git target over https: the token from the sealed URL authenticates the push; a wrong one fails without showing it', async () => {
  const repo = join(scratch, 'https-root', 'acme', 'policy.git');
  execFileSync('git', ['init', '-q', '--bare', repo]);
  execFileSync('git', ['--git-dir', repo, 'config', 'http.receivepack', 'true']);
  const t = await h.api('POST', '/api/v1/policy-targets', {
    name: 'gitlab',
    kind: 'git',
    url: `https://bot:${HTTPS_TOKEN}@${https.origin.slice('https://'.length)}/acme/policy.git`,
  });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.body.url, `${https.origin}/acme/policy.git`);
  const r = await h.pushAndWait(t.body.id);
  assert.equal(r.status, 'delivered', JSON.stringify(r));
  assert.deepEqual(commitsOn(repo, 'main'), [r.commitSha]);
  assert.ok(https.authorizations.includes(`Basic ${Buffer.from(`bot:${HTTPS_TOKEN}`).toString('base64')}`), 'the token was sent');
  assert.equal((await h.pushAndWait(t.body.id)).status, 'unchanged');

  const wrong = 'glpat-wrong-token-value-9999';
  const w = await h.api('POST', '/api/v1/policy-targets', {
    name: 'gitlab-wrong',
    kind: 'git',
    url: `https://bot:${wrong}@${https.origin.slice('https://'.length)}/acme/policy.git`,
  });
  const failed = await h.pushAndWait(w.body.id);
  assert.equal(failed.status, 'failed');
  assert.match(failed.lastError ?? '', /Authentication failed|401|could not read/i);
  const stored = (await prisma.policyDeliveryAttempt.findMany({ where: { pushId: failed.id } })).map((a) => a.error).join('\n') + (failed.lastError ?? '');
  assert.doesNotMatch(stored, new RegExp(wrong), 'the token is in no recorded error');
  assert.equal(commitsOn(repo, 'main').length, 1);
});

test('git target over ssh://: git runs ssh in batch mode with the remote command, and the push lands', async () => {
  // No sshd here: an `ssh` first on PATH that records its arguments and runs the remote command locally
  // (what sshd would do on the git server), so git's own ssh transport is exercised end to end.
  const bin = join(scratch, 'fake-ssh-bin');
  mkdirSync(bin);
  const log = join(scratch, 'ssh-args.log');
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n[ "$1" = "-G" ] && exit 0\nfor last; do :; done\nexec sh -c "$last"\n`, {
    mode: 0o755,
  });
  const repo = bareRepo('ssh-policy.git');
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`;
  try {
    const t = await h.api('POST', '/api/v1/policy-targets', { name: 'ssh', kind: 'git', url: `ssh://git@127.0.0.1${repo}` });
    assert.equal(t.status, 201, t.text);
    const r = await h.pushAndWait(t.body.id);
    assert.equal(r.status, 'delivered', JSON.stringify(r));
    assert.deepEqual(commitsOn(repo, 'main'), [r.commitSha]);
  } finally {
    process.env.PATH = savedPath;
  }
  const calls = readFileSync(log, 'utf8');
  assert.match(calls, /-o BatchMode=yes .*git@127\.0\.0\.1 .*git-upload-pack/);
  assert.match(calls, /-o BatchMode=yes .*git@127\.0\.0\.1 .*git-receive-pack/);
});
