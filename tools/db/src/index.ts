export {
  applyMigrations,
  checkDrift,
  createMigration,
  migrationStatus,
  type DbOptions,
  type DevOptions,
  type DevResult,
  type DriftResult,
  type Logger,
  type StatusResult,
} from './runner';
export { createMigratedTestDatabase, ensureTemplateDatabase, type TestDatabase, type TestDatabaseOptions } from './template-db';
export { DEFAULT_DATABASE_URL, DatabaseUnreachableError, START_POSTGRES_HINT, isUnreachable, parseDatabaseUrl, toUrl, withDatabaseClient } from './pg';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, migrationsChecksum, readMigrationsList, sha256 } from './migrations';
export { findPgBouncer, freePort, startPgBouncer, type PgBouncerOptions, type PgBouncerProcess } from './pgbouncer-process';
export { findPostgresBin, startStreamingReplicaPair, type PostgresServer, type StreamingReplicaPair } from './streaming-replica';
