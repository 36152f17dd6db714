import { Metadata } from '@grpc/grpc-js';
import type { AgentServiceClient, BatchAck, CountBatch } from '@fleettune/proto';

/** gRPC metadata carrying an agent token, as the agent sends it. */
export function agentAuth(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** For specs: sends batches on one UploadBatches stream; resolves with the acks or rejects with the stream's status. */
export function uploadBatches(client: AgentServiceClient, auth: Metadata | string, batches: CountBatch[]): Promise<BatchAck[]> {
  const md = typeof auth === 'string' ? agentAuth(auth) : auth;
  return new Promise((resolve, reject) => {
    const acks: BatchAck[] = [];
    const call = client.uploadBatches(md);
    call.on('data', (a: BatchAck) => acks.push(a));
    call.on('error', reject);
    call.on('end', () => resolve(acks));
    for (const b of batches) call.write(b);
    call.end();
  });
}
