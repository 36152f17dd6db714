import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { ChannelCredentials, ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck_Status, EnrollResponse } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import { loadHubConfig } from '../config/hub-config';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { uploadBatches } from '../testing/agent-upload';
import { specBatch } from '../testing/agent-enroll';
import { PrismaService } from '../database/prisma.service';

const ENROLL = 'tls-spec-enroll-secret-0000000';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-tls-'));
const f = (n: string) => path.join(dir, n);
let haveOpenssl = true;
let db: TestDatabase;
let hub: RunningHub;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A throwaway CA, a server certificate for 127.0.0.1 and an agent client certificate. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=fleettune-test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  for (const [name, san] of [
    ['server', 'IP:127.0.0.1,DNS:localhost'],
    ['agent', 'DNS:agent'],
    ['agent2', 'DNS:agent2'],
  ]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    fs.writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.pem`),
    );
  }
}

before(async () => {
  try {
    makeCertificates();
  } catch {
    haveOpenssl = false;
    return;
  }
  ({ db, hub } = await startTestHub('tls_spec', {
    FLEETTUNE_ENROLL_SECRET: ENROLL,
    GRPC_TLS_CERT_FILE: f('server.pem'),
    GRPC_TLS_KEY_FILE: f('server.key'),
    GRPC_TLS_CLIENT_CA_FILE: f('ca.pem'),
  }));
});

after(async () => {
  await hub?.close();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function enrollWith(creds: ChannelCredentials, hostname = 'tls-host', machineId = 'tls-1'): Promise<EnrollResponse> {
  const client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, creds);
  return new Promise<EnrollResponse>((resolve, reject) =>
    client.enroll(
      { enrollSecret: ENROLL, hostname, os: 'linux', agentVersion: 't', machineId },
      { deadline: Date.now() + 5_000 } as never,
      (err: ServiceError | null, res?: EnrollResponse) => (err ? reject(err) : resolve(res!)),
    ),
  ).finally(() => client.close());
}

test('an agent with the CA and a client certificate enrolls over mTLS', async (t) => {
  if (!haveOpenssl) return t.skip('openssl is not installed');
  const res = await enrollWith(credentials.createSsl(fs.readFileSync(f('ca.pem')), fs.readFileSync(f('agent.key')), fs.readFileSync(f('agent.pem'))));
  assert.ok(res.agentToken.startsWith('ftagent_'));
});

test('plaintext and certificate-less clients are refused', async (t) => {
  if (!haveOpenssl) return t.skip('openssl is not installed');
  await assert.rejects(enrollWith(credentials.createInsecure()));
  await assert.rejects(enrollWith(credentials.createSsl(fs.readFileSync(f('ca.pem')))));
});

const mtls = (agent: 'agent' | 'agent2') =>
  credentials.createSsl(fs.readFileSync(f('ca.pem')), fs.readFileSync(f(`${agent}.key`)), fs.readFileSync(f(`${agent}.pem`)));

test('the mTLS certificate is bound to the agent: its token with another CA-signed certificate is refused on every stream', async (t) => {
  if (!haveOpenssl) return t.skip('openssl is not installed');
  const res = await enrollWith(mtls('agent'), 'bound-host', 'tls-bound');
  const client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, mtls('agent'));
  const thief = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, mtls('agent2'));
  try {
    const acks = await uploadBatches(client, res.agentToken, [specBatch(res.hostId, 1)]);
    assert.equal(acks[0].status, BatchAck_Status.COMMITTED);
    await assert.rejects(
      uploadBatches(thief, res.agentToken, [specBatch(res.hostId, 2)]),
      (e: ServiceError) => e.code === status.UNAUTHENTICATED && /certificate/.test(e.details),
    );
    const agent = await hub.app.get(PrismaService).agent.findUniqueOrThrow({ where: { id: res.agentId } });
    const expected = new X509Certificate(fs.readFileSync(f('agent.pem'))).fingerprint256;
    assert.equal(agent.certFingerprint, expected, 'the fingerprint of the enrolling certificate is recorded');
  } finally {
    client.close();
    thief.close();
  }
});

test('TLS settings are validated at start', () => {
  assert.throws(() => loadHubConfig({ GRPC_TLS_CERT_FILE: f('server.pem') }), /go together/);
  assert.throws(() => loadHubConfig({ GRPC_TLS_CERT_FILE: '/nope.pem', GRPC_TLS_KEY_FILE: '/nope.key' }), /does not exist/);
});
