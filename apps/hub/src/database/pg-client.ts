import { Client, ClientConfig } from 'pg';

/**
 * A plain node-postgres client for the hub's set-based SQL paths. node-postgres
 * emits 'error' on the client when the server drops the connection (a
 * PostgreSQL restart, an admin terminating backends) even while a query is
 * running; with no listener that is an uncaught exception that kills the
 * whole hub. The running query still rejects, so callers see the failure;
 * the listener only keeps the process alive.
 */
export function newPgClient(config: ClientConfig, onError: (err: Error) => void = () => undefined): Client {
  const client = new Client(config);
  client.on('error', onError);
  return client;
}
