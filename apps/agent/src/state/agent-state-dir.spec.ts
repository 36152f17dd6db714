import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AgentStateDir } from './agent-state-dir';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ft-state-'));
const CREDS = { hub: '127.0.0.1:1', agentId: 'a', hostId: 'h', agentToken: 'secret-token', hostname: 'x' };

test('a new state dir is 0700 and the credentials file 0600, whatever the umask', () => {
  const old = process.umask(0o000);
  try {
    const dir = path.join(tmp(), 'nested', 'state');
    const s = new AgentStateDir(dir);
    assert.equal(mode(dir), 0o700);
    assert.equal(s.tightenedFrom, undefined);
    s.saveCredentials(CREDS);
    assert.equal(mode(s.credentialsFile), 0o600);
    assert.deepEqual(s.loadCredentials(), CREDS);
  } finally {
    process.umask(old);
  }
});

test('an existing looser state dir is tightened, and loose credentials (or a stale temp file) are made 0600', () => {
  const dir = tmp();
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(CREDS), { mode: 0o644 });
  fs.chmodSync(path.join(dir, 'credentials.json'), 0o644);
  const s = new AgentStateDir(dir);
  assert.equal(mode(dir), 0o700);
  assert.equal(s.tightenedFrom, 0o755);
  s.loadCredentials();
  assert.equal(mode(s.credentialsFile), 0o600);
  // A temp file left by a crash with a loose mode does not leak its mode into the new credentials.
  const stale = path.join(dir, `.credentials.json.${process.pid}.tmp`);
  fs.writeFileSync(stale, 'x');
  fs.chmodSync(stale, 0o666);
  s.saveCredentials(CREDS);
  assert.equal(mode(s.credentialsFile), 0o600);
});

test(
  'a state dir owned by another user is refused, also behind a symlink; a file is refused',
  { skip: process.getuid?.() !== 0 && 'needs root to chown' },
  () => {
    const dir = tmp();
    fs.chownSync(dir, 65534, 65534);
    assert.throws(() => new AgentStateDir(dir), /owned by uid 65534, not by this user/);
    assert.equal(mode(dir), 0o700, 'left as it was');
    const link = path.join(tmp(), 'link');
    fs.symlinkSync(dir, link);
    assert.throws(() => new AgentStateDir(link), /owned by uid 65534/);
    const file = path.join(tmp(), 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => new AgentStateDir(file), /EEXIST|not a directory/);
  },
);

test('the install key is made once, 0600, and the same for every later start of the agent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-state-key-'));
  try {
    const key = new AgentStateDir(path.join(dir, 'state')).installKey();
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(fs.statSync(path.join(dir, 'state', 'install-key')).mode & 0o777, 0o600);
    assert.equal(new AgentStateDir(path.join(dir, 'state')).installKey(), key, 'a restarted agent sends the same key');
    const other = new AgentStateDir(path.join(dir, 'other')).installKey();
    assert.notEqual(other, key, 'each install has its own');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
