#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isUnreachable, parseDatabaseUrl, redactUrl, resolveDatabaseUrl, START_POSTGRES_HINT } from './pg';
import { applyMigrations, checkDrift, createMigration, migrationStatus } from './runner';

// Progress and messages go to stderr; stdout carries only machine-usable output (SQL from drift).
const log = (msg: string): void => {
  process.stderr.write(`[db] ${msg}\n`);
};

interface GlobalOpts {
  schema?: string;
  migrations?: string;
}

function common(cmd: Command) {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  const o: { databaseUrl: string; log: typeof log; schemaPath?: string; migrationsDir?: string } = {
    databaseUrl: resolveDatabaseUrl(),
    log,
  };
  if (g.schema) o.schemaPath = g.schema;
  if (g.migrations) o.migrationsDir = g.migrations;
  return o;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('node tools/db/dist/cli.js')
    .description('Prisma migrations for fleettune without Prisma native engines.\n' + 'DATABASE_URL defaults to postgresql://postgres@127.0.0.1:5432/fleettune')
    .option('--schema <path>', 'schema file (default prisma/schema.prisma)')
    .option('--migrations <dir>', 'migrations directory (default prisma/migrations)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command('deploy')
    .description('apply pending migrations (creates the database if missing)')
    .action(async (_o, cmd: Command) => {
      await applyMigrations(common(cmd));
    });

  program
    .command('dev')
    .description('create a migration from the diff between the migrations and schema.prisma, then apply it')
    .requiredOption('-n, --name <name>', 'migration name, e.g. add_hosts_index')
    .option('--create-only', 'write the migration without applying it')
    .option('--accept-data-loss', 'apply even if the migration drops data')
    .action(async (o: { name: string; createOnly?: boolean; acceptDataLoss?: boolean }, cmd: Command) => {
      const r = await createMigration({
        ...common(cmd),
        name: o.name,
        createOnly: !!o.createOnly,
        acceptDataLoss: !!o.acceptDataLoss,
      });
      if (r.created) log(`migration ${r.created} ${o.createOnly ? 'created (not applied)' : 'created and applied'}`);
    });

  program
    .command('drift')
    .description('exit 1 if the live database or schema.prisma differs from the migrations')
    .action(async (_o, cmd: Command) => {
      const r = await checkDrift(common(cmd));
      if (r.databaseDrift) {
        log('DRIFT: the database differs from prisma/migrations. SQL that would bring it back in line:');
        process.stdout.write(`-- database -> migrations\n${r.databaseDrift}\n`);
        if (r.unapplied.length) log(`(unapplied migrations: ${r.unapplied.join(', ')}; run deploy)`);
      }
      if (r.schemaDrift) {
        log('DRIFT: schema.prisma differs from prisma/migrations (schema edited without a migration).');
        log('Create one with: node tools/db/dist/cli.js dev --name <name>. Missing SQL:');
        process.stdout.write(`-- migrations -> schema.prisma\n${r.schemaDrift}\n`);
      }
      if (r.drift) code = 1;
      else log('no drift');
    });

  program
    .command('status')
    .description('show which migrations are applied (exit 1 if not up to date)')
    .action(async (_o, cmd: Command) => {
      const r = await migrationStatus(common(cmd));
      const pending = new Set(r.unapplied);
      log(`${r.migrations.length} migration(s) in prisma/migrations`);
      for (const m of r.migrations) {
        log(
          `  ${pending.has(m) ? 'pending' : r.failed.includes(m) ? 'FAILED ' : 'applied'}  ${m}${r.edited.includes(m) ? '  (EDITED after being applied)' : ''}`,
        );
      }
      for (const m of r.unknownInDatabase) log(`  only in database  ${m}`);
      for (const m of r.failed) if (!r.migrations.includes(m)) log(`  FAILED  ${m}`);
      if (!r.hasMigrationsTable) log('the database has no _prisma_migrations table yet');
      if (r.upToDate) log('database schema is up to date');
      else {
        log('database is NOT up to date' + (pending.size ? ' (run deploy)' : ''));
        code = 1;
      }
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // usage errors: 1 (2 is reserved for "unreachable")
    throw err;
  }
  return code;
}

main(process.argv)
  .then((code) => {
    // The engine may leave timers and pools behind: exit explicitly (work-around 4).
    process.exit(code);
  })
  .catch((err: unknown) => {
    if (isUnreachable(err)) {
      let where = '';
      try {
        const p = parseDatabaseUrl(resolveDatabaseUrl());
        where = ` at ${p.host}:${p.port}`;
      } catch {
        /* ignore */
      }
      process.stderr.write(`[db] error: PostgreSQL is not reachable${where}. Start it with: ${START_POSTGRES_HINT}\n`);
      process.exit(2);
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`[db] error: ${msg.replace(resolveDatabaseUrl(), redactUrl(resolveDatabaseUrl()))}\n`);
    if (process.env['FLEETTUNE_DB_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exit(1);
  });
