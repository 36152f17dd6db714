import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import {
  applyMigrations,
  checkDrift,
  createMigratedTestDatabase,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  parseDatabaseUrl,
  readMigrationsList,
  sha256,
  toUrl,
} from './index';
import { dropDatabase, withClient } from './pg';

const server = parseDatabaseUrl(process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/fleettune');
const created: string[] = [];

/** A name for a database that does not exist yet; dropped after the file's tests. */
function newDbUrl(tag: string): string {
  const name = `dbtools_${tag}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  return toUrl({ ...server, database: name });
}

after(async () => {
  for (const name of created) await dropDatabase(server, name);
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(parseDatabaseUrl(url), async (c) => (await c.query<T>(sql, params)).rows);
}

async function expectedMigrations(): Promise<Array<{ name: string; checksum: string }>> {
  const list = await readMigrationsList(DEFAULT_MIGRATIONS_DIR);
  return list.migrationDirectories.map((d) => {
    assert.equal(d.migrationFile.content.tag, 'ok');
    return { name: d.path, checksum: sha256(d.migrationFile.content.value) };
  });
}

test('a fresh database is created and migrated; _prisma_migrations checksums are sha256(migration.sql)', async () => {
  const expected = await expectedMigrations();
  assert.ok(expected.length >= 1, 'prisma/migrations has at least the init migration');
  const url = newDbUrl('fresh');

  const first = await applyMigrations({ databaseUrl: url });
  assert.deepEqual(
    first.applied,
    expected.map((m) => m.name),
  );

  const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
    url,
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
  );
  assert.deepEqual(
    rows.map((r) => ({ name: r.migration_name, checksum: r.checksum })),
    expected,
  );
  for (const r of rows) {
    assert.ok(r.finished_at, `${r.migration_name} finished`);
    assert.equal(r.rolled_back_at, null);
  }
  const tables = await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
  assert.ok(tables.some((t) => t.t === 'hosts'));

  const second = await applyMigrations({ databaseUrl: url });
  assert.deepEqual(second.applied, [], 'second deploy applies nothing');
  const count = await query<{ n: string }>(url, 'SELECT count(*)::text AS n FROM _prisma_migrations');
  assert.equal(Number(count[0]?.n), expected.length);
});

test('two concurrent deploys on a new database both succeed and apply each migration once', async () => {
  const expected = await expectedMigrations();
  const url = newDbUrl('concurrent');
  const [a, b] = await Promise.all([applyMigrations({ databaseUrl: url }), applyMigrations({ databaseUrl: url })]);
  assert.deepEqual([...a.applied, ...b.applied].sort(), expected.map((m) => m.name).sort());
  assert.ok(a.applied.length === 0 || b.applied.length === 0, 'only one of them migrated');
  const rows = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations');
  assert.equal(rows.length, expected.length);
});

test('drift: none after migrating; reported after an out-of-band ALTER TABLE and after a schema edit', async () => {
  const db = await createMigratedTestDatabase('dbtools_drift');
  const dir = await mkdtemp(join(tmpdir(), 'dbtools-'));
  try {
    // (Whether the repository's schema.prisma matches its migrations is what `cli.js drift` checks in CI;
    // this test relies only on the database side being clean and on the probe column.)
    const before = await checkDrift({ databaseUrl: db.url });
    assert.equal(before.databaseDrift, '', `unexpected database drift:\n${before.databaseDrift}`);
    assert.doesNotMatch(before.schemaDrift, /drift_probe/);

    // Out-of-band change in the database, and schema.prisma edited without a migration.
    await query(db.url, 'ALTER TABLE hosts ADD COLUMN out_of_band integer');
    const schema = await readFile(DEFAULT_SCHEMA_PATH, 'utf8');
    const edited = schema.replace(/(model Host \{\n)/, '$1  driftProbe String? @map("drift_probe")\n');
    assert.notEqual(edited, schema);
    const schemaPath = join(dir, 'schema.prisma');
    await writeFile(schemaPath, edited);

    const after = await checkDrift({ databaseUrl: db.url, schemaPath });
    assert.equal(after.drift, true);
    assert.match(after.databaseDrift, /DROP COLUMN "out_of_band"/);
    assert.doesNotMatch(after.databaseDrift, /drift_probe/);
    assert.match(after.schemaDrift, /ADD COLUMN\s+"drift_probe" TEXT/);
    assert.doesNotMatch(after.schemaDrift, /out_of_band/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
});

test('createMigratedTestDatabase yields independent, migrated databases', async () => {
  const [a, b] = await Promise.all([createMigratedTestDatabase('dbtools_iso'), createMigratedTestDatabase('dbtools_iso')]);
  try {
    assert.notEqual(a.name, b.name);
    assert.match(a.name, /^dbtools_iso_[0-9a-f]+$/);
    await query(a.url, "INSERT INTO hosts (id, hostname, os) VALUES (gen_random_uuid(), 'only-in-a', 'linux')");
    const inA = await query<{ n: number }>(a.url, 'SELECT count(*)::int AS n FROM hosts');
    const inB = await query<{ n: number }>(b.url, 'SELECT count(*)::int AS n FROM hosts');
    assert.equal(inA[0]?.n, 1);
    assert.equal(inB[0]?.n, 0);
    const migs = await query<{ n: number }>(b.url, 'SELECT count(*)::int AS n FROM _prisma_migrations');
    assert.equal(migs[0]?.n, (await expectedMigrations()).length);
  } finally {
    await a.drop();
    await b.drop();
  }
  const left = await query<{ datname: string }>(toUrl({ ...server, database: 'postgres' }), 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [
    [a.name, b.name],
  ]);
  assert.deepEqual(left, []);
});

test('CLI: unreachable PostgreSQL gives a one-line hint and exit code 2', () => {
  const r = spawnSync(process.execPath, [join(__dirname, 'cli.js'), 'deploy'], {
    env: { ...process.env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nope' },
    encoding: 'utf8',
    timeout: 15000,
  });
  assert.equal(r.status, 2, r.stderr);
  const errLines = r.stderr.split('\n').filter((l) => l.includes('error'));
  assert.equal(errLines.length, 1, r.stderr);
  assert.match(errLines[0] ?? '', /not reachable.*pg_ctlcluster --skip-systemctl-redirect \$\(ls \/etc\/postgresql\) main start/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
