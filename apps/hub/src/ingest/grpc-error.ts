import { Metadata, ServiceError, status } from '@grpc/grpc-js';

/** An error that carries the gRPC status the caller should see. */
export class GrpcError extends Error implements Partial<ServiceError> {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }

  readonly metadata = new Metadata();
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof GrpcError) return { code: err.code, details: err.details, metadata: err.metadata };
  // Internal details stay in the hub's log, not on the wire.
  return { code: status.INTERNAL, details: 'internal error' };
}
