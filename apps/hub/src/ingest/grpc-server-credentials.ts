import * as fs from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import { HubConfig } from '../config/hub-config';

/**
 * TLS for the agent port when certificate paths are configured; with a
 * client CA as well, agents must present a certificate it signed (mTLS).
 * Plain TCP otherwise, for loopback demos and tests.
 */
export function grpcServerCredentials(config: HubConfig): ServerCredentials {
  if (!config.GRPC_TLS_CERT_FILE) return ServerCredentials.createInsecure();
  const read = (f: string) => fs.readFileSync(f);
  return ServerCredentials.createSsl(
    config.GRPC_TLS_CLIENT_CA_FILE ? read(config.GRPC_TLS_CLIENT_CA_FILE) : null,
    [{ cert_chain: read(config.GRPC_TLS_CERT_FILE), private_key: read(config.GRPC_TLS_KEY_FILE!) }],
    Boolean(config.GRPC_TLS_CLIENT_CA_FILE),
  );
}
