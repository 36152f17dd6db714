// Smoke check of the generated Prisma client (apps/hub/src/generated/prisma): it compiles with the
// options of tsconfig.base.json and queries a migrated database through @prisma/adapter-pg.
// Generate it first with: PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import ts from 'typescript';
import { createMigratedTestDatabase } from './index';
import { REPO_ROOT } from './migrations';

const GENERATED = join(REPO_ROOT, 'apps', 'hub', 'src', 'generated', 'prisma');
// Inside the repository so that the output resolves @prisma/client from node_modules.
const OUT = join(__dirname, '.generated-client-smoke');

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('generated Prisma client compiles with tsconfig.base.json options and queries via @prisma/adapter-pg', async () => {
  assert.ok(existsSync(join(GENERATED, 'client.ts')), `no generated client at ${GENERATED}; run: PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate`);
  const base = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.base.json'), (p) => ts.sys.readFile(p));
  assert.equal(base.error, undefined);
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, REPO_ROOT);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    rootDir: GENERATED,
    outDir: OUT,
    // composite/incremental only add a .tsbuildinfo; everything else is tsconfig.base.json as is.
    composite: false,
    incremental: false,
  };
  rmSync(OUT, { recursive: true, force: true });
  const program = ts.createProgram(listTs(GENERATED), options);
  const emitted = program.emit();
  const diags = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  assert.deepEqual(
    diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    [],
    'generated client compiles without errors',
  );

  const db = await createMigratedTestDatabase('dbtools_client');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaClient } = require(join(OUT, 'client.js')) as {
    PrismaClient: new (o: { adapter: PrismaPg }) => {
      host: {
        create(a: { data: { hostname: string; os: string } }): Promise<{ id: string; hostname: string }>;
        findMany(): Promise<Array<{ id: string; hostname: string }>>;
      };
      $disconnect(): Promise<void>;
    };
  };
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
  try {
    const created = await prisma.host.create({ data: { hostname: 'smoke-1', os: 'linux' } });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    const all = await prisma.host.findMany();
    assert.deepEqual(
      all.map((h) => h.hostname),
      ['smoke-1'],
    );
  } finally {
    await prisma.$disconnect();
    await db.drop();
    rmSync(OUT, { recursive: true, force: true });
  }
});
