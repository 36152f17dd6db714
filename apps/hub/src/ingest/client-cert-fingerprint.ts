import type { ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';

/**
 * SHA-256 fingerprint (`AB:CD:…`, as Node's `PeerCertificate.fingerprint256`) of the client
 * certificate the connection presented over mTLS, or null (plaintext, or TLS without a client
 * certificate). grpc-js exposes the TLS peer through `getAuthContext()` (since 1.13).
 */
export function clientCertFingerprint(call: ServerUnaryCall<unknown, unknown> | ServerDuplexStream<unknown, unknown>): string | null {
  try {
    return call.getAuthContext?.()?.sslPeerCertificate?.fingerprint256 ?? null;
  } catch {
    return null;
  }
}
