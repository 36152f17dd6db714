import type { HubConfig } from '../config/hub-config';

/**
 * Where work that needs one PostgreSQL session across transactions connects (issue 17).
 *
 * Behind PgBouncer in transaction pooling mode every transaction may run on a
 * different server connection, and a statement outside a transaction is its own
 * transaction. A session-level advisory lock taken there stays on whichever
 * server connection ran it: the unlock may reach another one, and the lock
 * outlives the client, held by a pooled connection nobody owns. So the few
 * paths that hold session state (see docs/scaling.md, "PgBouncer") connect to
 * DATABASE_DIRECT_URL; everything else is a single statement or one
 * BEGIN…COMMIT on one client and works through the pooler.
 */
export function databaseDirectUrl(config: Pick<HubConfig, 'DATABASE_URL' | 'DATABASE_DIRECT_URL'>): string {
  return config.DATABASE_DIRECT_URL || config.DATABASE_URL;
}
