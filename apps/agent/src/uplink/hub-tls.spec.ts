import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ServiceError, status } from '@grpc/grpc-js';
import { createHubClient, enrollWithHub, hubChannelCredentials } from './hub-client';
import { isLoopbackHub, systemRootCertificates } from './hub-tls';
import { ONE_EXEC_AUDIT_LOG } from '../testing/one-exec-audit-log';

/**
 * Issue 13 item 9 with a real hub serving TLS on loopback: `--tls` verifies the hub against the
 * system roots (here: a throwaway CA added the standard way, NODE_EXTRA_CA_CERTS), the CA-file mode
 * still works, and a non-loopback hub gets TLS unless --plaintext says otherwise.
 */
interface TestHubModule {
  startTestHub(name: string, env?: Record<string, string>): Promise<{ db: { drop(): Promise<void> }; hub: { grpcPort: number; close(): Promise<void> } }>;
}

const ENROLL = 'agent-tls-enroll-secret-00000000';
const AGENT = path.resolve(__dirname, '..', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-agent-tls-'));
const f = (n: string) => path.join(dir, n);
let haveOpenssl = true;
let stop: (() => Promise<void>) | undefined;
let hubAddress = '';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

before(async () => {
  try {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=fleettune-agent-test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'));
    fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f('server.ext'),
      '-out',
      f('server.pem'),
    );
  } catch {
    haveOpenssl = false;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.resolve(__dirname, '..', '..', '..', 'hub', 'dist', 'testing', 'test-hub.js')) as TestHubModule;
  const { db, hub } = await mod.startTestHub('agent_hub_tls', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    GRPC_TLS_CERT_FILE: f('server.pem'),
    GRPC_TLS_KEY_FILE: f('server.key'),
  });
  hubAddress = `127.0.0.1:${hub.grpcPort}`;
  stop = async () => {
    await hub.close();
    await db.drop();
  };
});

after(async () => {
  await stop?.();
  fs.rmSync(dir, { recursive: true, force: true });
});

const request = (hostname: string) => ({ enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 'test', machineId: `m-${hostname}` });

test('`run --tls` enrolls and uploads to a TLS hub whose CA is in the system roots', async (t) => {
  if (!haveOpenssl) return t.skip('openssl is not installed');
  const input = f('audit.log');
  fs.writeFileSync(input, ONE_EXEC_AUDIT_LOG);
  const env: NodeJS.ProcessEnv = { ...process.env, FLEETTUNE_COST: 'off', NODE_EXTRA_CA_CERTS: f('ca.pem'), FLEETTUNE_ENROLL_SECRET: ENROLL };
  delete env.FLEETTUNE_HUB_CA_FILE;
  const res = await new Promise<{ code: number; output: string }>((resolve) =>
    execFile(
      process.execPath,
      [AGENT, 'run', '--hub', hubAddress, '--tls', '--input', input, '--state-dir', f('state'), '--hostname', 'tls-agent', '--once'],
      { env, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  );
  assert.equal(res.code, 0, res.output);
  assert.match(res.output, /enrolled as host/);
});

test('--tls refuses a hub its roots do not vouch for; the CA-file mode trusts the named CA', async (t) => {
  if (!haveOpenssl) return t.skip('openssl is not installed');
  const untrusted = createHubClient(hubAddress, hubChannelCredentials(hubAddress, { tls: true }, {}));
  try {
    await assert.rejects(
      enrollWithHub(untrusted, request('untrusted'), { giveUpAfterMs: 0, timeoutMs: 3_000 }),
      (e: ServiceError) => e.code === status.UNAVAILABLE,
    );
  } finally {
    untrusted.close();
  }
  const withCaFile = createHubClient(hubAddress, hubChannelCredentials(hubAddress, {}, { FLEETTUNE_HUB_CA_FILE: f('ca.pem') }));
  try {
    assert.ok((await enrollWithHub(withCaFile, request('ca-file'))).agentToken.startsWith('ftagent_'));
  } finally {
    withCaFile.close();
  }
  const plaintextToTls = createHubClient(hubAddress, hubChannelCredentials(hubAddress, {}, {}));
  try {
    await assert.rejects(enrollWithHub(plaintextToTls, request('plaintext'), { giveUpAfterMs: 0, timeoutMs: 3_000 }));
  } finally {
    plaintextToTls.close();
  }
});

test('TLS is the default for a non-loopback hub; --plaintext is the explicit way out', () => {
  assert.equal(hubChannelCredentials('hub.example.org:443', {}, {})._isSecure(), true);
  assert.equal(hubChannelCredentials('10.0.0.5:50051', {}, {})._isSecure(), true);
  assert.equal(hubChannelCredentials('127.0.0.1:50051', {}, {})._isSecure(), false);
  assert.equal(hubChannelCredentials('127.0.0.1:50051', { tls: true }, {})._isSecure(), true);
  assert.equal(hubChannelCredentials('hub.example.org:443', { plaintext: true }, {})._isSecure(), false);
  assert.throws(() => hubChannelCredentials('hub:1', { tls: true, plaintext: true }, {}), /exclude/);
  for (const h of ['127.0.0.1:1', 'localhost:50051', '[::1]:50051']) assert.ok(isLoopbackHub(h), h);
  for (const h of ['0.0.0.0:1', 'hub.example.org:443', '[2001:db8::1]:1']) assert.ok(!isLoopbackHub(h), h);
  const roots = systemRootCertificates({ NODE_EXTRA_CA_CERTS: f('ca.pem') }).toString();
  assert.ok(
    roots.includes(fs.existsSync(f('ca.pem')) ? fs.readFileSync(f('ca.pem'), 'utf8').trim().split('\n')[1] : ''),
    'NODE_EXTRA_CA_CERTS is among the roots',
  );
  assert.ok((roots.match(/BEGIN CERTIFICATE/g) ?? []).length > 50, "Node's bundled roots are among them");
});
