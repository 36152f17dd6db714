import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { HubForAgents, startHubForAgents } from '../live/live-hub-harness';
import { ONE_EXEC_AUDIT_LOG } from '../testing/one-exec-audit-log';

/**
 * The real agent (`run --once`) against a real hub (apps/hub's startTestHub:
 * migrated PostgreSQL, gRPC on loopback): enrolling, uploading, and failing
 * on a forged token or a wrong enrollment secret. Nothing it writes to
 * stdout or stderr may contain the enrollment secret or the agent token.
 * The hub is loaded from its build at run time: the agent does not depend
 * on the hub's code.
 */
const ENROLL = 'creds-log-enroll-secret-7f3a9c2e51d4';
const AGENT = path.resolve(__dirname, '..', 'main.js');
const SAMPLE = '/work/shared/samples/audit_raw_normal_golibaudit.log';

let hub: HubForAgents | undefined;
let grpcPort = 0;

before(async () => {
  hub = await startHubForAgents('agent_credentials_log', { FLEETTUNE_ENROLL_SECRET: ENROLL });
  grpcPort = hub.grpcPort;
});

after(async () => {
  await hub?.close();
});

function runAgent(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT, 'run', '--hub', `127.0.0.1:${grpcPort}`, ...args],
      { env: { ...process.env, FLEETTUNE_COST: 'off', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

function assertNoSecret(output: string, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!output.includes(s), `agent output contains a credential:\n${output}`);
    // Nor a recognisable part of it (a truncated or quoted copy).
    assert.ok(!output.includes(s.slice(0, 12)) && !output.includes(s.slice(-12)), `agent output contains part of a credential:\n${output}`);
  }
}

test('the agent never logs its enrollment secret or its agent token, also when the hub refuses them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-creds-'));
  const input = path.join(dir, 'audit.log');
  fs.writeFileSync(input, fs.existsSync(SAMPLE) ? fs.readFileSync(SAMPLE) : ONE_EXEC_AUDIT_LOG);
  const state = path.join(dir, 'state');

  // Enroll (secret on the command line) and upload.
  const first = await runAgent(['--enroll-secret', ENROLL, '--input', input, '--state-dir', state, '--hostname', 'creds-host', '--once']);
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /enrolled as host/);
  assert.equal(fs.statSync(state).mode & 0o777, 0o700);
  const credsFile = path.join(state, 'credentials.json');
  assert.equal(fs.statSync(credsFile).mode & 0o777, 0o600);
  const token = (JSON.parse(fs.readFileSync(credsFile, 'utf8')) as { agentToken: string }).agentToken;
  assert.ok(token.length >= 16);
  assertNoSecret(first.output, [ENROLL, token]);

  // The hub refuses a forged token: the error says so without repeating it.
  const forged = `forged-${token.split('').reverse().join('')}`;
  const creds = JSON.parse(fs.readFileSync(credsFile, 'utf8')) as Record<string, string>;
  fs.writeFileSync(credsFile, JSON.stringify({ ...creds, agentToken: forged }));
  fs.appendFileSync(input, fs.readFileSync(input)); // new data, so there is something to upload
  const refused = await runAgent(['--input', input, '--state-dir', state, '--hostname', 'creds-host', '--once']);
  assert.notEqual(refused.code, 0, refused.output);
  assert.match(refused.output, /refused this agent's credentials/);
  assertNoSecret(refused.output, [ENROLL, token, forged]);

  // A wrong enrollment secret (from the environment this time) is refused without being echoed.
  const wrong = 'wrong-enroll-secret-d41d8cd98f00b204';
  const denied = await runAgent(['--input', input, '--state-dir', path.join(dir, 'state2'), '--hostname', 'creds-host-2', '--once'], {
    FLEETTUNE_ENROLL_SECRET: wrong,
  });
  assert.notEqual(denied.code, 0, denied.output);
  assertNoSecret(denied.output, [ENROLL, token, wrong]);
  fs.rmSync(dir, { recursive: true, force: true });
});
