import { createHash } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/fleettune';

export const START_POSTGRES_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** Connection parameters passed to pg one by one (never as a connectionString: see shadow DB work-around). */
export interface ConnParams {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl?: pg.ClientConfig['ssl'];
  /** PostgreSQL schema (Prisma's `?schema=` URL parameter); default public. */
  schema?: string;
}

export function resolveDatabaseUrl(url?: string): string {
  return url ?? process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
}

export function parseDatabaseUrl(url: string): ConnParams {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL: ${redactUrl(url)}`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${u.protocol}//)`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL has no database name');
  const sslmode = u.searchParams.get('sslmode');
  const params: ConnParams = {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    database,
  };
  if (u.password) params.password = decodeURIComponent(u.password);
  if (sslmode && sslmode !== 'disable' && sslmode !== 'prefer' && sslmode !== 'allow') {
    params.ssl = { rejectUnauthorized: sslmode === 'verify-full' || sslmode === 'verify-ca' };
  }
  const schema = u.searchParams.get('schema');
  if (schema) params.schema = schema;
  return params;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export function toUrl(p: ConnParams): string {
  const auth = encodeURIComponent(p.user) + (p.password ? ':' + encodeURIComponent(p.password) : '');
  const q = new URLSearchParams();
  if (p.schema) q.set('schema', p.schema);
  const qs = q.toString();
  return `postgresql://${auth}@${p.host}:${p.port}/${encodeURIComponent(p.database)}${qs ? '?' + qs : ''}`;
}

export function withDatabase(p: ConnParams, database: string): ConnParams {
  return { ...p, database };
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function clientConfig(p: ConnParams): pg.ClientConfig {
  const cfg: pg.ClientConfig = {
    host: p.host,
    port: p.port,
    user: p.user,
    database: p.database,
    connectionTimeoutMillis: 5000,
    application_name: 'fleettune-db-tools',
  };
  if (p.password !== undefined) cfg.password = p.password;
  if (p.ssl !== undefined) cfg.ssl = p.ssl;
  if (p.schema) cfg.options = `-c search_path=${p.schema}`;
  return cfg;
}

// --- Work-around 1: adapter-pg 7.10.1 throws on PostgreSQL's internal "char" type (OID 18), which the
// schema engine's describer selects from pg_catalog. Report such columns as text (OID 25); the value is
// already a string because pg has no parser for OID 18.
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function charAsText<T>(res: T): T {
  const fix = (r: unknown): void => {
    const fields = (r as { fields?: Array<{ dataTypeID: number }> } | null)?.fields;
    if (Array.isArray(fields)) for (const f of fields) if (f.dataTypeID === PG_CHAR_OID) f.dataTypeID = PG_TEXT_OID;
  };
  if (Array.isArray(res)) res.forEach(fix);
  else fix(res);
  return res;
}

/** pg.Client that reports `"char"` (OID 18) columns as text. Used for the engine's pools. */
export class CharAsTextClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => last(err, err ? res : charAsText(res));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as any)(...args);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ret = (super.query as any)(...args);
    if (ret && typeof ret.then === 'function') return ret.then(charAsText);
    return ret;
  }
}

export function newPool(p: ConnParams, opts: { max?: number; charAsText?: boolean } = {}): pg.Pool {
  const cfg: pg.PoolConfig = { ...clientConfig(p), max: opts.max ?? 1, idleTimeoutMillis: 0 };
  if (opts.charAsText) (cfg as pg.PoolConfig & { Client: unknown }).Client = CharAsTextClient;
  const pool = new pg.Pool(cfg);
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

export class DatabaseUnreachableError extends Error {
  constructor(
    readonly target: string,
    readonly causeCode: string,
  ) {
    super(`PostgreSQL is not reachable at ${target} (${causeCode}). ` + `Start it with: ${START_POSTGRES_HINT}`);
    this.name = 'DatabaseUnreachableError';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
]);

export function isUnreachable(err: unknown): boolean {
  if (err instanceof DatabaseUnreachableError) return true;
  const e = err as { code?: string; message?: string; errors?: unknown[] } | null;
  if (!e) return false;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
  // AggregateError from net.connect when several addresses fail (e.g. localhost -> ::1 and 127.0.0.1)
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isUnreachable)) return true;
  if (typeof e.message === 'string' && /Connection terminated due to connection timeout|timeout expired/.test(e.message)) {
    return true;
  }
  return false;
}

/** Opens a single client; connection failures become DatabaseUnreachableError. */
export async function connectClient(p: ConnParams): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(p));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    if (isUnreachable(err)) {
      const e = err as { code?: string; errors?: Array<{ code?: string }> };
      throw new DatabaseUnreachableError(`${p.host}:${p.port}`, e.code ?? e.errors?.[0]?.code ?? 'timeout');
    }
    throw err;
  }
  return client;
}

export async function withClient<T>(p: ConnParams, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectClient(p);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The maintenance database used to create and drop databases. */
export function maintenanceParams(p: ConnParams): ConnParams {
  return withDatabase(p, p.database === 'postgres' ? 'template1' : 'postgres');
}

export async function databaseExists(admin: pg.Client, name: string): Promise<boolean> {
  const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

/** CREATE DATABASE unless it exists; tolerates a concurrent creator. Returns true if this call created it. */
export async function createDatabaseIfMissing(p: ConnParams, opts: { template?: string } = {}): Promise<boolean> {
  // Common case first: the database exists (needs no access to the maintenance database).
  if (await targetExists(p)) return false;
  return withClient(maintenanceParams(p), async (admin) => {
    if (await databaseExists(admin, p.database)) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(p.database)}` + (opts.template ? ` TEMPLATE ${quoteIdent(opts.template)}` : ''));
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  });
}

/** True if we can connect to p.database; false if PostgreSQL says it does not exist (3D000). */
export async function targetExists(p: ConnParams): Promise<boolean> {
  try {
    const c = await connectClient(p);
    await c.end().catch(() => undefined);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return false;
    throw err;
  }
}

export async function dropDatabase(p: ConnParams, name: string): Promise<void> {
  await withClient(maintenanceParams(p), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}

/** A 63-bit advisory lock key derived from a string. */
export function advisoryKey(name: string): bigint {
  const h = createHash('sha256').update(name).digest();
  return h.readBigInt64BE(0);
}

/** Session-level advisory lock held on its own connection until release(). */
export async function acquireAdvisoryLock(p: ConnParams, name: string, log?: (msg: string) => void): Promise<{ release(): Promise<void> }> {
  const client = await connectClient(p);
  const key = advisoryKey(name).toString();
  try {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
    if (!r.rows[0]?.ok) {
      log?.(`waiting for another process holding the migration lock "${name}" on ${p.database} ...`);
      await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    }
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * Runs `fn` with a client of the database at `url` (a connection string, as tests and benchmarks hold
 * it) and closes the client after, whatever `fn` did.
 */
export async function withDatabaseClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
