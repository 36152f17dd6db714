import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseEnvironmentFile, serviceCommand, splitWords, SYSTEMD_DEFAULT_PATH } from './unit-exec-start';

const REPO = path.resolve(__dirname, '..', '..', '..');
const UNIT = fs.readFileSync(path.join(REPO, 'deploy', 'systemd', 'fleettune-agent.service'), 'utf8');
const TEMPLATE = fs.readFileSync(path.join(REPO, 'tools', 'packaging', 'agent.env'), 'utf8');
const STATE_ARGS = ['--state-dir', '/var/lib/fleettune-agent', '--enroll-secret-file', '/var/lib/fleettune-agent/enroll-secret'];

const withEnvFile = (text: string) => serviceCommand(UNIT, (f) => (f === '/etc/fleettune/agent.env' ? text : undefined));

test('the packaged agent.env with only the hub set: the unit runs the auditd log with its defaults, no empty words', () => {
  const cmd = withEnvFile(TEMPLATE.replace(/^FLEETTUNE_HUB=$/m, 'FLEETTUNE_HUB=hub.example.org:443'));
  assert.deepEqual(cmd.argv, [
    '/usr/bin/fleettune-agent',
    'run',
    '--hub',
    'hub.example.org:443',
    '--source',
    'linux-audit',
    '--input',
    '/var/log/audit/audit.log',
    ...STATE_ARGS,
  ]);
  assert.equal(cmd.env.PATH, SYSTEMD_DEFAULT_PATH);
});

test('agent.env overrides the unit defaults; FLEETTUNE_AGENT_ARGS is split into words, ${VAR} stays one word', () => {
  const cmd = withEnvFile('FLEETTUNE_HUB="a:1"\nFLEETTUNE_INPUT=/logs/with space.log\nFLEETTUNE_AGENT_ARGS=--redact-users  --window-seconds 300\n; comment\n');
  assert.deepEqual(cmd.argv, [
    '/usr/bin/fleettune-agent',
    'run',
    '--hub',
    'a:1',
    '--source',
    'linux-audit',
    '--input',
    '/logs/with space.log',
    ...STATE_ARGS,
    '--redact-users',
    '--window-seconds',
    '300',
  ]);
});

test('no agent.env: systemd would not start the unit (EnvironmentFile= without "-")', () => {
  assert.throws(() => withEnvFile(undefined as unknown as string), /EnvironmentFile=\/etc\/fleettune\/agent\.env does not exist/);
});

test('the packaged agent.env parses, sets no enrollment secret and leaves the hub to the admin', () => {
  const env = parseEnvironmentFile(TEMPLATE);
  assert.deepEqual(env, { FLEETTUNE_HUB: '' });
  assert.doesNotMatch(TEMPLATE, /^\s*#?\s*FLEETTUNE_ENROLL_SECRET=/m);
});

test('splitWords keeps quoted words whole', () => {
  assert.deepEqual(splitWords(`a "b c" 'd e' f\\"`), ['a', 'b c', 'd e', 'f\\"']);
});
