import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { HubForAgents, startHubForAgents } from '../live/live-hub-harness';
import { ONE_EXEC_AUDIT_LOG } from '../testing/one-exec-audit-log';
import { dnsHostName } from './host-identity';
import { enrollSecretSpec } from './enroll-secret';

/**
 * Issue 13 item 4 with the real agent and a real hub (apps/hub's startTestHub, loaded from its build):
 * the enrollment secret comes from a file or the environment, never has to be on argv (where every
 * local user reads it in /proc/<pid>/cmdline for as long as `run` lives), and the file is deleted
 * after the first successful enrollment.
 */
const ENROLL = 'secret-file-enroll-secret-5e1c0a9b';
const AGENT = path.resolve(__dirname, '..', 'main.js');

let hub: HubForAgents | undefined;
let grpcPort = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-secret-'));
const input = path.join(dir, 'audit.log');

before(async () => {
  fs.writeFileSync(input, ONE_EXEC_AUDIT_LOG);
  hub = await startHubForAgents('agent_enroll_secret', { FLEETTUNE_ENROLL_SECRET: ENROLL });
  grpcPort = hub.grpcPort;
});

after(async () => {
  await hub?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startAgent(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const base: NodeJS.ProcessEnv = { ...process.env, FLEETTUNE_COST: 'off' };
  delete base.FLEETTUNE_ENROLL_SECRET;
  const child = spawn(process.execPath, [AGENT, 'run', '--hub', `127.0.0.1:${grpcPort}`, '--input', input, '--poll-seconds', '1', ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(what: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cmdlineOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

test('--enroll-secret-file: a running agent has no secret in /proc/<pid>/cmdline or environ, and the file is deleted once enrolled', async () => {
  const secretFile = path.join(dir, 'enroll-secret');
  fs.writeFileSync(secretFile, `${ENROLL}\n`, { mode: 0o600 });
  const state = path.join(dir, 'state-file');
  const agent = startAgent(['--enroll-secret-file', secretFile, '--state-dir', state, '--hostname', 'file-host']);
  try {
    await waitFor(() => /enrolled as host/.test(agent.output()) || agent.child.exitCode !== null);
    assert.match(agent.output(), /enrolled as host/, agent.output());
    const cmdline = cmdlineOf(agent.child.pid!);
    assert.match(cmdline, /--enroll-secret-file/);
    assert.ok(!cmdline.includes(ENROLL), `cmdline: ${cmdline}`);
    assert.ok(!fs.readFileSync(`/proc/${agent.child.pid}/environ`, 'utf8').includes(ENROLL));
    await waitFor(() => !fs.existsSync(secretFile), 10_000);
    assert.match(agent.output(), /deleted the enrollment secret file/);
    assert.ok(!agent.output().includes(ENROLL));
  } finally {
    agent.child.kill('SIGTERM');
    await agent.exited;
  }
  // The next start is enrolled already: the missing file is not needed.
  const again = startAgent(['--enroll-secret-file', secretFile, '--state-dir', state, '--hostname', 'file-host', '--once']);
  assert.equal(await again.exited, 0, again.output());
});

test('FLEETTUNE_ENROLL_SECRET enrolls without argv; the agent drops it from its environment so spawned tools never inherit it', async () => {
  const state = path.join(dir, 'state-env');
  const agent = startAgent(['--state-dir', state, '--hostname', 'env-host'], { FLEETTUNE_ENROLL_SECRET: ENROLL });
  try {
    await waitFor(() => /enrolled as host/.test(agent.output()) || agent.child.exitCode !== null);
    assert.match(agent.output(), /enrolled as host/, agent.output());
    assert.ok(!cmdlineOf(agent.child.pid!).includes(ENROLL));
    assert.doesNotMatch(agent.output(), /WARNING/);
  } finally {
    agent.child.kill('SIGTERM');
    await agent.exited;
  }
  const env: NodeJS.ProcessEnv = { FLEETTUNE_ENROLL_SECRET: 'from-env', OTHER: 'kept' };
  const spec = enrollSecretSpec({}, env);
  assert.equal(spec.source, 'env');
  assert.equal(spec.read(), 'from-env');
  assert.deepEqual(env, { OTHER: 'kept' }, 'taken out of the environment');
});

test('--enroll-secret on argv still works but warns that ps shows it', async () => {
  const agent = startAgent(['--enroll-secret', ENROLL, '--state-dir', path.join(dir, 'state-argv'), '--hostname', 'argv-host', '--once']);
  assert.equal(await agent.exited, 0, agent.output());
  assert.match(agent.output(), /WARNING: --enroll-secret on the command line is readable by every local user/);
  assert.match(agent.output(), /enrolled as host/);
});

test('a missing or empty secret file fails clearly; precedence is file, environment, argv', async () => {
  const missing = startAgent([
    '--enroll-secret-file',
    path.join(dir, 'nope'),
    '--state-dir',
    path.join(dir, 'state-missing'),
    '--hostname',
    'missing-host',
    '--once',
  ]);
  assert.notEqual(await missing.exited, 0);
  assert.match(missing.output(), /cannot read --enroll-secret-file .*ENOENT/);
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '\n');
  assert.throws(() => enrollSecretSpec({ enrollSecretFile: empty }, {}).read(), /is empty/);
  const file = path.join(dir, 'precedence');
  fs.writeFileSync(file, 'from-file');
  assert.equal(enrollSecretSpec({ enrollSecretFile: file, enrollSecret: 'from-argv' }, { FLEETTUNE_ENROLL_SECRET: 'from-env' }).read(), 'from-file');
  assert.equal(enrollSecretSpec({ enrollSecret: 'from-argv' }, { FLEETTUNE_ENROLL_SECRET: 'from-env' }).read(), 'from-env');
  assert.equal(enrollSecretSpec({ enrollSecret: 'from-argv' }, {}).source, 'argv');
});

test('the agent reports a DNS host name (the hub refuses anything else)', async () => {
  assert.equal(dnsHostName('web-01'), 'web-01');
  assert.equal(dnsHostName("Jane's MacBook Pro"), 'Jane-s-MacBook-Pro');
  assert.equal(dnsHostName('my_box.corp.example'), 'my-box.corp.example');
  assert.equal(dnsHostName('hôte'), 'hote');
  assert.equal(dnsHostName('-x-.'), 'x');
  assert.equal(dnsHostName('<!here>'), 'here');
  assert.equal(dnsHostName('___'), 'host');
  assert.equal(dnsHostName('a'.repeat(100)), 'a'.repeat(63));
  assert.ok(dnsHostName(Array.from({ length: 10 }, () => 'b'.repeat(63)).join('.')).length <= 253);
  const agent = startAgent([
    '--enroll-secret-file',
    (fs.writeFileSync(path.join(dir, 's2'), ENROLL), path.join(dir, 's2')),
    '--state-dir',
    path.join(dir, 'state-dns'),
    '--hostname',
    'my_box',
    '--once',
  ]);
  assert.equal(await agent.exited, 0, agent.output());
  assert.match(agent.output(), /host name "my_box" is not a DNS name; reporting my-box/);
});
