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

/** Prisma error codes for "the database is (momentarily) unreachable, overloaded or busy". */
const TRANSIENT_PRISMA_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // database server timed out
  'P1008', // operations timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
  'P2028', // transaction API error: could not start (pool wait) or expired in time
  'P2034', // write conflict or deadlock, retry the transaction
]);

/** Driver adapter error kinds (@prisma/adapter-pg) of the same meaning. */
const TRANSIENT_ADAPTER_KINDS = new Set(['TransactionWriteConflict', 'TooManyConnections', 'DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/**
 * PostgreSQL SQLSTATEs: 08xxx connection exceptions, 40001 serialization
 * failure, 40P01 deadlock, 53xxx insufficient resources (too many
 * connections, out of memory/disk), 57P01-57P03 shutdown / cannot connect now.
 */
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|40001|40P01|53[0-9A-Z]{3}|57P0[1-3])$/;
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True for database failures that a later retry can succeed on: deadlocks and
 * serialization failures that outlived the ingest transaction's own retries,
 * a pool that stayed exhausted, a database that is restarting or unreachable.
 * Follows Prisma's wrapping (code, meta.driverAdapterError.cause) and `cause` chains.
 */
export function isTransientDatabaseError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as {
    code?: unknown;
    kind?: unknown;
    originalCode?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: { cause?: unknown } };
  };
  if (typeof e.code === 'string' && (TRANSIENT_PRISMA_CODES.has(e.code) || TRANSIENT_SQLSTATE.test(e.code) || TRANSIENT_SOCKET_CODES.has(e.code))) {
    return true;
  }
  if (typeof e.kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.originalCode === 'string' && TRANSIENT_SQLSTATE.test(e.originalCode)) return true;
  if (typeof e.message === 'string' && /Unable to start a transaction in the given time|Timed out fetching a new connection/i.test(e.message)) {
    return true;
  }
  return isTransientDatabaseError(e.meta?.driverAdapterError?.cause, depth + 1) || isTransientDatabaseError(e.cause, depth + 1);
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof GrpcError) return { code: err.code, details: err.details, metadata: err.metadata };
  // UNAVAILABLE is the status agents retry with back-off (the batch stays spooled).
  if (isTransientDatabaseError(err)) return { code: status.UNAVAILABLE, details: 'database temporarily unavailable, retry' };
  // Internal details stay in the hub's log, not on the wire.
  return { code: status.INTERNAL, details: 'internal error' };
}
