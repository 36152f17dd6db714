import { randomBytes } from 'node:crypto';
import { type PathOptions, migrationsChecksum, readMigrationsList, resolvePaths } from './migrations';
import { applyMigrations, type Logger } from './runner';
import {
  acquireAdvisoryLock,
  createDatabaseIfMissing,
  databaseExists,
  dropDatabase,
  maintenanceParams,
  parseDatabaseUrl,
  quoteIdent,
  resolveDatabaseUrl,
  toUrl,
  withClient,
  withDatabase,
} from './pg';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** DROP DATABASE ... WITH (FORCE). Idempotent. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions extends PathOptions {
  /** Server to use; its database part is ignored. Defaults to $DATABASE_URL, then the project default. */
  databaseUrl?: string;
  log?: Logger;
}

/**
 * Returns the name of a fully migrated template database for the current migrations, creating it once
 * per migrations checksum (`fleettune_tpl_<8 hex>`). Concurrent callers (parallel test files) are
 * serialized by an advisory lock; the template is built under a temporary name and renamed when complete,
 * so a crashed build never leaves a half-migrated template behind.
 */
export async function ensureTemplateDatabase(o: TestDatabaseOptions = {}): Promise<string> {
  const server = parseDatabaseUrl(resolveDatabaseUrl(o.databaseUrl));
  const admin = maintenanceParams(server);
  const { migrationsDir } = resolvePaths(o);
  const checksum = migrationsChecksum(await readMigrationsList(migrationsDir));
  const name = `fleettune_tpl_${checksum.slice(0, 8)}`;
  const exists = () => withClient(admin, (c) => databaseExists(c, name));
  if (await exists()) return name;
  const lock = await acquireAdvisoryLock(admin, `fleettune:template:${name}`, o.log);
  try {
    if (await exists()) return name;
    const building = `${name}_build_${randomBytes(4).toString('hex')}`;
    await createDatabaseIfMissing(withDatabase(server, building));
    try {
      const buildOpts: Parameters<typeof applyMigrations>[0] = {
        databaseUrl: toUrl(withDatabase(server, building)),
        migrationsDir,
      };
      if (o.log) buildOpts.log = o.log;
      await applyMigrations(buildOpts);
      await withClient(admin, (c) => c.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`));
    } catch (err) {
      await dropDatabase(server, building).catch(() => undefined);
      throw err;
    }
    o.log?.(`created template database ${name}`);
    return name;
  } finally {
    await lock.release();
  }
}

/**
 * A fresh, fully migrated database for one test: `CREATE DATABASE <prefix>_<random> TEMPLATE fleettune_tpl_<checksum>`.
 * Call drop() when done.
 */
export async function createMigratedTestDatabase(prefix: string, o: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const safe =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .slice(0, 40) || 'test';
  const server = parseDatabaseUrl(resolveDatabaseUrl(o.databaseUrl));
  const template = await ensureTemplateDatabase(o);
  const name = `${safe}_${randomBytes(6).toString('hex')}`;
  await withClient(maintenanceParams(server), (c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`));
  let dropped = false;
  return {
    name,
    url: toUrl(withDatabase(server, name)),
    async drop() {
      if (dropped) return;
      await dropDatabase(server, name);
      dropped = true;
    },
  };
}
