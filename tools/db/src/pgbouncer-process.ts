import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';

/** A pg client whose 'error' event (the server went away mid-query) cannot crash the process; the query still rejects. */
export function quietClient(connectionString: string): pg.Client {
  const c = new pg.Client({ connectionString });
  c.on('error', () => undefined);
  return c;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The pgbouncer executable (Debian's package puts it in /usr/sbin), or undefined when it is not installed. */
export function findPgBouncer(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const p = path.join(dir, 'pgbouncer');
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

export interface PgBouncerOptions {
  /** PostgreSQL behind it (default 127.0.0.1:5432, the local cluster with trust auth). */
  upstreamHost?: string;
  upstreamPort?: number;
  poolMode?: 'transaction' | 'session';
  /** Server connections per (database, user): fewer than the hub's pools, so clients really share them. */
  poolSize?: number;
  /** The user clients log in as (trusted; it must also exist in PostgreSQL). */
  user?: string;
}

export interface PgBouncerProcess {
  port: number;
  /** A postgresql:// URL of `database` through this PgBouncer. */
  url(database: string): string;
  /** A statement on PgBouncer's admin console (SHOW POOLS, SHOW STATS, …), rows as objects. */
  admin(sql: string): Promise<Record<string, unknown>[]>;
  /** PgBouncer's log so far (its complaints explain a failing spec). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * For specs and the chaos suite (issue 17): a real PgBouncer process on a free loopback port in
 * front of a PostgreSQL server, with a generated ini (pool mode, pool size,
 * auth_type trust, every database name forwarded by the `*` fallback entry).
 * PgBouncer refuses to run as root: started by root it switches to the
 * `postgres` user (-u), which owns its scratch directory.
 * Configuration reference: https://www.pgbouncer.org/config.html
 */
export async function startPgBouncer(o: PgBouncerOptions = {}): Promise<PgBouncerProcess> {
  const bin = findPgBouncer();
  if (!bin) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const user = o.user ?? 'postgres';
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-pgbouncer-'));
  const ini = path.join(dir, 'pgbouncer.ini');
  const logFile = path.join(dir, 'pgbouncer.log');
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
  fs.writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${o.upstreamHost ?? '127.0.0.1'} port=${o.upstreamPort ?? 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      `stats_users = ${user}`,
      `pool_mode = ${o.poolMode ?? 'transaction'}`,
      `default_pool_size = ${o.poolSize ?? 4}`,
      'max_client_conn = 1000',
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${logFile}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const args = [ini];
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const f of [dir, ...fs.readdirSync(dir).map((f) => path.join(dir, f))]) fs.chownSync(f, uid, gid);
    args.unshift('-u', 'postgres');
  }
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const log = () => {
    let text = stderr;
    try {
      text += fs.readFileSync(logFile, 'utf8');
    } catch {
      // not written yet
    }
    return text;
  };
  const url = (database: string) => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const admin = async (sql: string) => {
    const c = quietClient(url('pgbouncer'));
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM'); // immediate shutdown (SIGINT would wait for clients)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited !== undefined) {
      const text = log();
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer exited (${exited}) before accepting connections:\n${text}`);
    }
    try {
      await admin('SHOW VERSION');
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`pgbouncer did not accept connections on ${port}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, url, admin, log, stop };
}
