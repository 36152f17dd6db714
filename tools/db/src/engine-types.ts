// The schema engine package is an ES module; its types are imported with resolution-mode "import".
export type { DiagnoseMigrationHistoryOutput, MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm' with {
  'resolution-mode': 'import',
};

export type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg', {
  with: { 'resolution-mode': 'import' },
});
