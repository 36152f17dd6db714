import * as fs from 'node:fs';
import { ChannelCredentials, Metadata, ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient, EnrollRequest, EnrollResponse } from '@fleettune/proto';

/**
 * TLS to the hub when FLEETTUNE_HUB_CA_FILE names the CA that signed the
 * hub's certificate; FLEETTUNE_AGENT_CERT_FILE / _KEY_FILE add a client
 * certificate for hubs that require mTLS.
 */
export function hubChannelCredentials(env: NodeJS.ProcessEnv = process.env): ChannelCredentials {
  const ca = env.FLEETTUNE_HUB_CA_FILE;
  if (!ca) return credentials.createInsecure();
  const cert = env.FLEETTUNE_AGENT_CERT_FILE;
  const key = env.FLEETTUNE_AGENT_KEY_FILE;
  if (Boolean(cert) !== Boolean(key)) throw new Error('FLEETTUNE_AGENT_CERT_FILE and FLEETTUNE_AGENT_KEY_FILE go together');
  return credentials.createSsl(fs.readFileSync(ca), key ? fs.readFileSync(key) : null, cert ? fs.readFileSync(cert) : null);
}

export function createHubClient(hub: string, creds: ChannelCredentials = hubChannelCredentials()): AgentServiceClient {
  return new AgentServiceClient(hub, creds, {
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
