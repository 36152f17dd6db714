import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaEngineModule } from './engine-types';
import type pg from 'pg';
import { type ConnParams, connectClient, maintenanceParams, newPool, quoteIdent, withDatabase } from './pg';

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

let wasmModule: Promise<SchemaEngineModule> | undefined;

/**
 * Loads Prisma's schema engine compiled to WebAssembly. The package's entry point does
 * `import * as wasm from "./schema_engine_bg.wasm"`, which Node cannot load without
 * --experimental-wasm-modules, so the module is instantiated here by hand (what the entry does).
 */
async function loadSchemaEngine(): Promise<SchemaEngineModule> {
  wasmModule ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg: SchemaEngineModule = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(bgPath), 'schema_engine_bg.wasm'));
    const imports: Record<string, unknown> = { ...bg };
    for (const name of Object.keys(imports)) {
      // Work-around 4: the engine arms a 10 s timer (its advisory-lock timeout) and never clears it,
      // which keeps Node alive after the work is done. Unref every timer the engine creates.
      if (name.startsWith('__wbg_setTimeout')) {
        const orig = imports[name] as (...a: unknown[]) => unknown;
        imports[name] = (...a: unknown[]) => {
          const t = orig(...a) as { unref?: () => void } | undefined;
          t?.unref?.();
          return t;
        };
      }
    }
    // lib ES2023 has no WebAssembly typings; Node has the global.
    const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wa.instantiate(bytes, { './schema_engine_bg.js': imports });
    bg.__wbg_set_wasm(instance.exports as never);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return bg;
  })();
  return wasmModule;
}

/**
 * Adapter factory for the engine: PrismaPg on our own single-connection pools (statements go one at a
 * time on one session), with the shadow-database work-arounds 2 and 3.
 */
class FleettunePgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName: string;
  private readonly pools: pg.Pool[] = [];
  private readonly shadowDbs = new Set<string>();

  constructor(
    private readonly conn: ConnParams,
    private readonly log: (msg: string) => void,
  ) {
    this.adapterName = new PrismaPg({}).adapterName;
  }

  private adapterOptions() {
    return this.conn.schema ? { schema: this.conn.schema } : undefined;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const pool = newPool(this.conn, { max: 1, charAsText: true });
    this.pools.push(pool);
    return new PrismaPg(pool, this.adapterOptions()).connect();
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    // Work-around 2: PrismaPg spreads {...config, database} over a connectionString config, which pg
    // ignores, so its "shadow" is the main database. We pass the connection parameters separately.
    const name = `fleettune_shadow_${randomBytes(6).toString('hex')}`;
    const admin = await connectClient(maintenanceParams(this.conn));
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    this.shadowDbs.add(name);
    this.log(`created shadow database ${name}`);
    const pool = newPool(withDatabase(this.conn, name), { max: 1, charAsText: true });
    const adapter = await new PrismaPg(pool, this.adapterOptions()).connect();
    const dispose = adapter.dispose.bind(adapter);
    // Work-around 3: PrismaPg drops the shadow database before closing its pool ("being accessed by
    // other users"). Close the pool first, then DROP DATABASE ... WITH (FORCE).
    adapter.dispose = async () => {
      await dispose();
      await pool.end().catch(() => undefined);
      await this.dropShadow(name);
    };
    return adapter;
  }

  private async dropShadow(name: string): Promise<void> {
    if (!this.shadowDbs.delete(name)) return;
    const admin = await connectClient(maintenanceParams(this.conn));
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  /** Ends every pool (which also releases the engine's own session advisory lock) and drops leftover shadows. */
  async close(): Promise<void> {
    await Promise.all(this.pools.splice(0).map((p) => p.end().catch(() => undefined)));
    for (const name of [...this.shadowDbs]) await this.dropShadow(name).catch(() => undefined);
  }
}

export interface EngineSession {
  engine: SchemaEngine;
  close(): Promise<void>;
}

export interface SchemaFile {
  path: string;
  content: string;
}

export async function openEngine(conn: ConnParams, schema: SchemaFile | undefined, log: (msg: string) => void): Promise<EngineSession> {
  const mod = await loadSchemaEngine();
  const factory = new FleettunePgFactory(conn, log);
  const engineLog = (line: unknown) => {
    if (process.env['FLEETTUNE_DB_DEBUG']) log(`engine: ${typeof line === 'string' ? line : JSON.stringify(line)}`);
  };
  let engine: SchemaEngine;
  try {
    engine = await mod.SchemaEngine.new(
      { datamodels: schema ? [[schema.path, schema.content]] : undefined },
      engineLog,
      bindMigrationAwareSqlAdapterFactory(factory),
    );
  } catch (err) {
    await factory.close();
    throw normalizeEngineError(err);
  }
  return {
    engine,
    async close() {
      try {
        engine.free();
      } catch {
        /* already freed */
      }
      await factory.close();
    },
  };
}

/** Engine errors arrive as plain objects or Errors with a JSON-ish message; make them readable Errors. */
export function normalizeEngineError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; error?: unknown; error_code?: unknown; meta?: unknown };
    const msg = typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : JSON.stringify(err);
    const e = new Error(o.error_code ? `${String(o.error_code)}: ${msg}` : msg);
    (e as Error & { engineError?: unknown }).engineError = err;
    return e;
  }
  return new Error(String(err));
}
