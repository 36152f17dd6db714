import * as fs from 'node:fs';
import { ChannelCredentials, Metadata, ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient, EnrollRequest, EnrollResponse } from '@fleettune/proto';
import { FAILOVER_CHANNEL_OPTIONS, hubChannelTarget } from './hub-addresses';
import { isLoopbackHub, systemRootCertificates } from './hub-tls';

export interface HubTransportOptions {
  /** `--tls`: TLS even to a loopback hub, verified against the system roots unless a CA file is set. */
  tls?: boolean;
  /** `--plaintext`: no TLS even to a non-loopback hub (tokens and the enrollment secret in clear text). */
  plaintext?: boolean;
}

/**
 * The channel to the hub (issue 13 item 9). TLS unless the hub is on loopback or `--plaintext` is
 * given: verified against FLEETTUNE_HUB_CA_FILE when set, else against the system roots
 * (hub-tls.ts). FLEETTUNE_AGENT_CERT_FILE / _KEY_FILE add a client certificate for hubs that
 * require mTLS; the hub binds the agent to it at enrollment.
 */
export function hubChannelCredentials(hub = '127.0.0.1:0', o: HubTransportOptions = {}, env: NodeJS.ProcessEnv = process.env): ChannelCredentials {
  const ca = env.FLEETTUNE_HUB_CA_FILE;
  const cert = env.FLEETTUNE_AGENT_CERT_FILE;
  const key = env.FLEETTUNE_AGENT_KEY_FILE;
  if (o.tls && o.plaintext) throw new Error('--tls and --plaintext exclude each other');
  const useTls = !o.plaintext && (o.tls || Boolean(ca) || Boolean(cert) || !isLoopbackHub(hub));
  if (!useTls) return credentials.createInsecure();
  if (Boolean(cert) !== Boolean(key)) throw new Error('FLEETTUNE_AGENT_CERT_FILE and FLEETTUNE_AGENT_KEY_FILE go together');
  return credentials.createSsl(ca ? fs.readFileSync(ca) : systemRootCertificates(env), key ? fs.readFileSync(key) : null, cert ? fs.readFileSync(cert) : null);
}

/** `hub` is one `host:port` or several replicas `a:1,b:2` (hub-addresses.ts: spread and failover). */
export function createHubClient(hub: string, creds: ChannelCredentials = hubChannelCredentials(hub)): AgentServiceClient {
  return new AgentServiceClient(hubChannelTarget(hub), creds, {
    ...FAILOVER_CHANNEL_OPTIONS,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_send_message_length': 8 * 1024 * 1024,
  });
}

function enrollOnce(client: AgentServiceClient, request: EnrollRequest, timeoutMs: number): Promise<EnrollResponse> {
  return new Promise((resolve, reject) =>
    client.enroll(request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: EnrollResponse) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.INTERNAL]);

/**
 * Enrolls, riding out a hub that is down or restarting (backoff with full
 * jitter, capped); a refused secret or bad request fails at once.
 */
export async function enrollWithHub(
  client: AgentServiceClient,
  request: EnrollRequest,
  options: { timeoutMs?: number; giveUpAfterMs?: number; log?: (msg: string) => void } = {},
): Promise<EnrollResponse> {
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? 15 * 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await enrollOnce(client, request, options.timeoutMs ?? 15_000);
    } catch (err) {
      const code = (err as ServiceError).code;
      if (!RETRYABLE.has(code) || Date.now() > giveUpAt) throw err;
      const delay = Math.random() * Math.min(30_000, 500 * 2 ** Math.min(attempt, 10));
      options.log?.(`enrollment failed (${(err as ServiceError).details || (err as Error).message}); retrying in ${Math.round(delay)} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}
