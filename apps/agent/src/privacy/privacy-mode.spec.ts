import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { LINUX_SYSTEM_UID_MAX, UserPathRedactor } from '@fleettune/paths';
import { runReport } from '../commands/report-command';
import { redactBatch } from './batch-redaction';
import { hostnameKey, pseudonymousHostname } from './hostname-pseudonym';
import { loadLocalAccounts } from './local-account-database';
import { envFlag } from './privacy-mode';

const REPO = path.resolve(__dirname, '../../../..');
const LOGS = [
  { log: 'web-01', user: 'alice' },
  { log: 'web-02', user: 'bob' },
  { log: 'build-03', user: 'carol' },
];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-privacy-'));

async function report(args: { input: string; redactUsers: boolean; accountsFile?: string; by?: 'user' }): Promise<string> {
  let out = '';
  let err = '';
  const code = await runReport(
    { source: 'linux-audit', top: 1000, json: true, ...args },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: new PassThrough() },
  );
  assert.equal(code, 0, err);
  return out;
}

for (const { log, user } of LOGS) {
  test(`report --redact-users --json on ${log}'s recorded log names no user of it (${user})`, async () => {
    const input = path.join(REPO, `tools/demo/logs/${log}.audit.log`);
    const plain = await report({ input, redactUsers: false, by: 'user' });
    assert.match(plain, new RegExp(`\\b${user}\\b`), 'sanity: the log names its user');
    // An account database that does not list the person (a directory user): the name is learned from the log itself.
    const empty = path.join(tmp, 'empty.passwd');
    fs.writeFileSync(empty, 'root:x:0:0:root:/root:/bin/bash\n');
    for (const accountsFile of [empty, undefined]) {
      const text = await report({ input, redactUsers: true, accountsFile, by: 'user' });
      assert.doesNotMatch(text, new RegExp(user), `${user} leaked (accounts: ${accountsFile ?? '/etc/passwd'})`);
      const doc = JSON.parse(text) as {
        events: number;
        usersRedacted: boolean;
        files: Array<{ path: string; count: number }>;
        by: { rows: Array<{ key: string }> };
      };
      const before = JSON.parse(plain) as { events: number; files: Array<{ count: number }> };
      assert.equal(doc.usersRedacted, true);
      assert.equal(doc.events, before.events, 'every event is still counted');
      assert.equal(
        doc.files.reduce((n, f) => n + f.count, 0),
        before.files.reduce((n, f) => n + f.count, 0),
      );
      assert.ok(doc.files.some((f) => f.path === '/home/*/.cache/syncagent/sync.log'));
      assert.ok(doc.by.rows.some((r) => r.key === 'local') && doc.by.rows.some((r) => r.key === 'system:root'));
    }
  });
}

test('redactBatch: paths, users and keys redacted, equal rows summed, counts kept, flag set, idempotent', () => {
  const r = new UserPathRedactor([{ name: 'dave', uid: 1002, home: '/home/dave', shell: '/bin/bash' }], LINUX_SYSTEM_UID_MAX);
  const b = {
    execs: [
      { path: '/home/dave/bin/tool', parentPath: '/usr/bin/zsh', user: 'dave', count: 2 },
      { path: '/home/erin/bin/tool', parentPath: '/usr/bin/zsh', user: 'erin', count: 3 },
      { path: '/usr/sbin/cron', parentPath: '', user: '0', count: 1 },
    ],
    files: [
      { path: '/var/tmp/cache/erin/x', op: 'modify', processPath: '/home/erin/bin/tool', count: 4 },
      { path: '/var/tmp/cache/dave/x', op: 'modify', processPath: '/home/dave/bin/tool', count: 1 },
    ],
    auditKeys: [{ name: 'dave_watch', count: 5 }],
    syscalls: [{ name: 'execve', count: 6 }],
    initiators: [
      { name: '/home/dave/bin/tool', count: 2 },
      { name: '/home/erin/bin/tool', count: 4 },
    ],
  } as Pick<CountBatch, 'execs' | 'files' | 'auditKeys' | 'syscalls' | 'usersRedacted' | 'initiators'>;
  const out = redactBatch(b, r);
  assert.equal(out.usersRedacted, true);
  assert.deepEqual(out.execs, [
    { path: '/home/*/bin/tool', parentPath: '/usr/bin/zsh', user: 'local', count: 5 },
    { path: '/usr/sbin/cron', parentPath: '', user: 'system:0', count: 1 },
  ]);
  assert.deepEqual(out.files, [{ path: '/var/tmp/cache/*/x', op: 'modify', processPath: '/home/*/bin/tool', count: 5 }]);
  assert.deepEqual(out.auditKeys, [{ name: '*_watch', count: 5 }]);
  assert.deepEqual(out.syscalls, b.syscalls);
  assert.deepEqual(out.initiators, [{ name: '/home/*/bin/tool', count: 6 }]);
  assert.deepEqual(redactBatch(out, r), out);
});

test('--redact-hostname: a keyed, stable pseudonym; the key is made once, mode 0600', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
  const key = hostnameKey(dir);
  assert.equal(fs.statSync(path.join(dir, 'hostname.key')).mode & 0o777, 0o600);
  assert.deepEqual(hostnameKey(dir), key, 'the same key on the next start');
  const name = pseudonymousHostname(key, 'Alices-MacBook-Pro');
  assert.match(name, /^host-[0-9a-f]{16}$/);
  assert.equal(pseudonymousHostname(key, 'alices-macbook-pro'), name);
  assert.notEqual(pseudonymousHostname(hostnameKey(fs.mkdtempSync(path.join(tmp, 'other-'))), 'Alices-MacBook-Pro'), name, 'another key, another name');
  fs.writeFileSync(path.join(dir, 'hostname.key'), 'not hex\n');
  assert.throws(() => hostnameKey(dir), /not a 32-byte hex key/);
});

test('the account database: passwd file, dscl on macOS, and a clear problem when unreadable', () => {
  const linux = loadLocalAccounts({ accountsFile: path.join(tmp, 'missing.passwd'), platform: 'linux' });
  assert.equal(linux.accounts.length, 0);
  assert.equal(linux.problem, 'ENOENT');
  const dscl: Record<string, string> = {
    UniqueID: '_spotlight   89\nalice   501\nroot   0\n',
    UserShell: '_spotlight   /usr/bin/false\nalice   /bin/zsh\nroot   /bin/sh\n',
    NFSHomeDirectory: 'alice   /Users/alice\n',
    RealName: 'alice   Alice Liddell\n',
  };
  const mac = loadLocalAccounts({ platform: 'darwin', dsclList: (a) => dscl[a] });
  assert.equal(mac.systemUidMax, 500);
  assert.deepEqual(
    mac.accounts.find((a) => a.name === 'alice'),
    { name: 'alice', uid: 501, shell: '/bin/zsh', home: '/Users/alice', realName: 'Alice Liddell' },
  );
  const r = new UserPathRedactor(mac.accounts, mac.systemUidMax);
  assert.equal(r.userClass('501'), 'local');
  assert.equal(r.userClass('89'), 'system:_spotlight');
  assert.equal(r.redactHostname('Liddell-iMac'), 'user-imac');
});

test('FLEETTUNE_REDACT_USERS is a strict boolean', () => {
  assert.equal(envFlag('X', { X: '1' }), true);
  assert.equal(envFlag('X', { X: 'true' }), true);
  assert.equal(envFlag('X', { X: '0' }), false);
  assert.equal(envFlag('X', {}), false);
  assert.throws(() => envFlag('X', { X: 'ture' }), /not a boolean/);
});
