import { ChannelCredentials, Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { AgentServiceClient, EnrollRequest, EnrollResponse } from '@fleettune/proto';

export function createHubClient(hub: string, creds: ChannelCredentials = credentials.createInsecure()): AgentServiceClient {
  return new AgentServiceClient(hub, creds, {
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_send_message_length': 8 * 1024 * 1024,
  });
}

export function enrollWithHub(client: AgentServiceClient, request: EnrollRequest, timeoutMs = 15_000): Promise<EnrollResponse> {
  return new Promise((resolve, reject) =>
    client.enroll(request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: EnrollResponse) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}
