import { readFile } from 'node:fs/promises';
import type { DiagnoseMigrationHistoryOutput, SchemaFilter } from './engine-types';
import { normalizeEngineError, openEngine, type EngineSession, type SchemaFile } from './engine';
import { type PathOptions, readMigrationsList, resolvePaths, writeMigration } from './migrations';
import { acquireAdvisoryLock, type ConnParams, createDatabaseIfMissing, targetExists, parseDatabaseUrl, redactUrl, resolveDatabaseUrl } from './pg';

export type Logger = (msg: string) => void;

export interface DbOptions extends PathOptions {
  /** Defaults to $DATABASE_URL, then postgresql://postgres@127.0.0.1:5432/fleettune */
  databaseUrl?: string;
  /** Progress lines. Default: silent. The CLI logs to stderr. */
  log?: Logger;
}

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };
/** Name of our own advisory lock (the engine's own lock, key 72707369, lives on its pool's session). */
const MIGRATE_LOCK = 'fleettune:migrate';

const noop: Logger = () => undefined;

async function readSchema(schemaPath: string): Promise<SchemaFile> {
  return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
}

/**
 * Runs fn with an engine connected to the target database, holding our migration advisory lock on that
 * database. Creates the database first if it does not exist. The engine's pools are closed before the
 * lock is released, so the next process never waits on the engine's own session lock.
 */
async function withLockedEngine<T>(
  conn: ConnParams,
  schema: SchemaFile | undefined,
  log: Logger,
  fn: (s: EngineSession) => Promise<T>,
  opts: { create: boolean } = { create: true },
): Promise<T> {
  if (opts.create) {
    if (await createDatabaseIfMissing(conn)) log(`created database ${conn.database}`);
  } else if (!(await targetExists(conn))) {
    throw new Error(`database "${conn.database}" does not exist (run: node tools/db/dist/cli.js deploy)`);
  }
  const lock = await acquireAdvisoryLock(conn, MIGRATE_LOCK, log);
  try {
    const session = await openEngine(conn, schema, log);
    try {
      return await fn(session);
    } catch (err) {
      throw normalizeEngineError(err);
    } finally {
      await session.close();
    }
  } finally {
    await lock.release();
  }
}

function target(o: DbOptions): { url: string; conn: ConnParams } {
  const url = resolveDatabaseUrl(o.databaseUrl);
  return { url, conn: parseDatabaseUrl(url) };
}

/** `deploy`: applies pending migrations from prisma/migrations (creates the database if missing). */
export async function applyMigrations(o: DbOptions = {}): Promise<{ applied: string[] }> {
  const log = o.log ?? noop;
  const { url, conn } = target(o);
  const { migrationsDir } = resolvePaths(o);
  const list = await readMigrationsList(migrationsDir);
  log(`${list.migrationDirectories.length} migration(s) found in ${migrationsDir}`);
  return withLockedEngine(conn, undefined, log, async ({ engine }) => {
    log(`applying pending migrations to ${redactUrl(url)}`);
    const out = await engine.applyMigrations({ migrationsList: list, filters: NO_FILTER });
    for (const name of out.appliedMigrationNames) log(`applied ${name}`);
    log(out.appliedMigrationNames.length ? `${out.appliedMigrationNames.length} migration(s) applied` : 'no pending migrations');
    return { applied: out.appliedMigrationNames };
  });
}

export interface DevOptions extends DbOptions {
  name: string;
  /** Write the migration but do not apply it. */
  createOnly?: boolean;
  /** Proceed although the new migration would lose data. */
  acceptDataLoss?: boolean;
}

export interface DevResult {
  /** Pending migrations applied before generating. */
  appliedBefore: string[];
  /** Directory name of the new migration, if one was needed. */
  created?: string;
  /** SQL of the new migration. */
  script?: string;
  applied: string[];
}

/** `dev --name`: creates prisma/migrations/<timestamp>_<name> from schema.prisma (shadow DB), then applies it. */
export async function createMigration(o: DevOptions): Promise<DevResult> {
  const log = o.log ?? noop;
  if (!/^[A-Za-z0-9_-]+$/.test(o.name)) throw new Error(`invalid migration name "${o.name}" (use letters, digits, _ and -)`);
  const { conn } = target(o);
  const { migrationsDir, schemaPath } = resolvePaths(o);
  const schema = await readSchema(schemaPath);
  return withLockedEngine(conn, schema, log, async ({ engine }) => {
    let list = await readMigrationsList(migrationsDir);
    const diag = await engine.devDiagnostic({ migrationsList: list, filters: NO_FILTER });
    if (diag.action.tag === 'reset') {
      throw new Error(
        `database ${conn.database} does not match the migration history and would need a reset: ${diag.action.reason}\n` +
          `Drop it (DROP DATABASE "${conn.database}" WITH (FORCE)) or use another DATABASE_URL, then retry.`,
      );
    }
    const before = await engine.applyMigrations({ migrationsList: list, filters: NO_FILTER });
    for (const n of before.appliedMigrationNames) log(`applied pending ${n}`);

    const schemas = { files: [schema] };
    const loss = await engine.evaluateDataLoss({ migrationsList: list, schema: schemas, filters: NO_FILTER });
    for (const w of loss.warnings) log(`warning: ${w.message}`);
    if (loss.unexecutableSteps.length) {
      throw new Error(`the migration cannot be applied:\n${loss.unexecutableSteps.map((s) => `  - ${s.message}`).join('\n')}`);
    }
    if (loss.warnings.length && !o.acceptDataLoss && !o.createOnly) {
      throw new Error('the migration would lose data (see warnings); re-run with --accept-data-loss or --create-only');
    }

    const created = await engine.createMigration({
      draft: false,
      migrationName: o.name,
      migrationsList: list,
      schema: schemas,
      filters: NO_FILTER,
    });
    if (created.migrationScript === null) {
      log('schema.prisma and the migrations are in sync: no migration created');
      return { appliedBefore: before.appliedMigrationNames, applied: [] };
    }
    const dir = await writeMigration(list, created.generatedMigrationName, created.migrationScript, created.extension, created.connectorType);
    log(`created ${dir}`);
    if (o.createOnly) {
      return { appliedBefore: before.appliedMigrationNames, created: created.generatedMigrationName, script: created.migrationScript, applied: [] };
    }
    list = await readMigrationsList(migrationsDir);
    const out = await engine.applyMigrations({ migrationsList: list, filters: NO_FILTER });
    for (const n of out.appliedMigrationNames) log(`applied ${n}`);
    return {
      appliedBefore: before.appliedMigrationNames,
      created: created.generatedMigrationName,
      script: created.migrationScript,
      applied: out.appliedMigrationNames,
    };
  });
}

export interface DriftResult {
  drift: boolean;
  /** SQL that would bring the live database to the state of the migrations ('' if none). */
  databaseDrift: string;
  /** SQL a new migration would need so the migrations match schema.prisma ('' if none). */
  schemaDrift: string;
  /** Migrations present in prisma/migrations but not recorded as applied (informational). */
  unapplied: string[];
}

/**
 * `drift`: compares (1) the live database with the migrations and (2) the migrations with schema.prisma.
 * Both diffs replay the migrations on a shadow database. Does not create the target database.
 */
export async function checkDrift(o: DbOptions = {}): Promise<DriftResult> {
  const log = o.log ?? noop;
  const { conn } = target(o);
  const { migrationsDir, schemaPath } = resolvePaths(o);
  const schema = await readSchema(schemaPath);
  const list = await readMigrationsList(migrationsDir);
  return withLockedEngine(
    conn,
    schema,
    log,
    async ({ engine }) => {
      log(`comparing database ${conn.database} with ${list.migrationDirectories.length} migration(s)`);
      // What the live database needs to match the migrations (empty = no drift).
      const db = await engine.diff({
        from: { tag: 'schemaDatasource', files: [schema], configDir: migrationsDir },
        to: { tag: 'migrations', ...list },
        script: true,
        exitCode: null,
        filters: NO_FILTER,
      });
      log('comparing the migrations with schema.prisma');
      const sch = await engine.diff({
        from: { tag: 'migrations', ...list },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: NO_FILTER,
      });
      const hist = await engine.diagnoseMigrationHistory({ migrationsList: list, optInToShadowDatabase: false, filters: NO_FILTER });
      const databaseDrift = isEmptyScript(db.stdout) ? '' : (db.stdout ?? '').trim();
      const schemaDrift = isEmptyScript(sch.stdout) ? '' : (sch.stdout ?? '').trim();
      return {
        drift: databaseDrift !== '' || schemaDrift !== '',
        databaseDrift,
        schemaDrift,
        unapplied: unappliedNames(hist),
      };
    },
    { create: false },
  );
}

function isEmptyScript(s: string | null): boolean {
  if (!s) return true;
  // The engine emits "-- This is an empty migration." for no changes.
  const body = s
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .trim();
  return body === '';
}

function unappliedNames(h: DiagnoseMigrationHistoryOutput): string[] {
  if (!h.history) return [];
  if (h.history.diagnostic === 'databaseIsBehind') return h.history.unappliedMigrationNames;
  if (h.history.diagnostic === 'historiesDiverge') return h.history.unappliedMigrationNames;
  return [];
}

export interface StatusResult {
  migrations: string[];
  hasMigrationsTable: boolean;
  unapplied: string[];
  /** Applied in the database but missing from prisma/migrations. */
  unknownInDatabase: string[];
  failed: string[];
  edited: string[];
  upToDate: boolean;
}

/** `status`: the migration history of the database relative to prisma/migrations (no shadow database). */
export async function migrationStatus(o: DbOptions = {}): Promise<StatusResult> {
  const log = o.log ?? noop;
  const { conn } = target(o);
  const { migrationsDir } = resolvePaths(o);
  const list = await readMigrationsList(migrationsDir);
  return withLockedEngine(
    conn,
    undefined,
    log,
    async ({ engine }) => {
      const h = await engine.diagnoseMigrationHistory({ migrationsList: list, optInToShadowDatabase: false, filters: NO_FILTER });
      const unknownInDatabase = h.history && h.history.diagnostic !== 'databaseIsBehind' ? h.history.unpersistedMigrationNames : [];
      const unapplied = unappliedNames(h);
      return {
        migrations: list.migrationDirectories.map((d) => d.path),
        hasMigrationsTable: h.hasMigrationsTable,
        unapplied,
        unknownInDatabase,
        failed: h.failedMigrationNames,
        edited: h.editedMigrationNames,
        upToDate: h.history === null && h.failedMigrationNames.length === 0 && h.editedMigrationNames.length === 0,
      };
    },
    { create: false },
  );
}
