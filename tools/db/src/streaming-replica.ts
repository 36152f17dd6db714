import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort, quietClient } from './pgbouncer-process';

const run = promisify(execFile);

/** The PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): Debian's newest /usr/lib/postgresql/N/bin, else pg_config's. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dirs = versions.map((v) => path.join(root, v, 'bin'));
  try {
    dirs.push(
      execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
  } catch {
    // no pg_config
  }
  return dirs.find((d) => ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) => fs.existsSync(path.join(d, b))));
}

export interface PostgresServer {
  port: number;
  dataDir: string;
  /** postgresql:// URL of `database` on this server (user postgres, trust). */
  url(database: string): string;
  /** One statement on `database` (default postgres), rows as objects. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  stop(): Promise<void>;
}

export interface StreamingReplicaPair {
  primary: PostgresServer;
  /** A hot standby of the primary, made by pg_basebackup -R and streaming from it. */
  replica: PostgresServer;
  /** Resolves once the replica has replayed everything the primary had written when it was called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes their data directories. */
  stop(): Promise<void>;
}

/**
 * For specs (issue 17): a PostgreSQL primary of the spec's own (initdb on a
 * free port, trust auth for loopback and replication: nothing of the
 * machine's cluster changes, so CI on a fresh machine can run it too) and a
 * streaming replica built from it with `pg_basebackup -R`, each with its data
 * directory under the temp dir. Run as the postgres user when started by
 * root (PostgreSQL refuses to run as root).
 * https://www.postgresql.org/docs/15/app-pgbasebackup.html
 */
export async function startStreamingReplicaPair(): Promise<StreamingReplicaPair> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-pg-replica-'));
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    owner = {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
    };
    fs.chownSync(base, owner.uid, owner.gid);
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: base }) : run(path.join(bin, tool), args, { cwd: base });

  const servers: PostgresServer[] = [];
  const stopAll = async () => {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
  };

  const start = async (dataDir: string, port: number): Promise<PostgresServer> => {
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=100`;
    await pg('pg_ctl', ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    let stopped = false;
    const server: PostgresServer = {
      port,
      dataDir,
      url: (database) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      async query<T>(sql: string, params: unknown[] = [], database = 'postgres') {
        const c = quietClient(server.url(database));
        await c.connect();
        try {
          return (await c.query(sql, params)).rows as T[];
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      },
    };
    servers.push(server);
    return server;
  };

  try {
    const primaryDir = path.join(base, 'primary');
    // trust for loopback and for replication (initdb's default pg_hba.conf has both lines; -A sets their method).
    await pg('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    const primary = await start(primaryDir, await freePort());
    const replicaDir = path.join(base, 'replica');
    // -R: standby.signal + primary_conninfo; -X stream: the WAL written during the copy comes along.
    await pg('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    const replica = await start(replicaDir, await freePort());
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await primary.query<{ state: string }>('SELECT state FROM pg_stat_replication').catch(() => []);
      if (rows.some((r) => r.state === 'streaming')) break;
      if (Date.now() > deadline)
        throw new Error(`the replica did not start streaming:\n${fs.readFileSync(path.join(replicaDir, 'server.log'), 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const caughtUp = async (timeoutMs = 30_000) => {
      const [{ lsn }] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const until = Date.now() + timeoutMs;
      for (;;) {
        const [r] = await replica.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
        if (r?.done) return;
        if (Date.now() > until) throw new Error(`the replica did not replay up to ${lsn} within ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    return { primary, replica, caughtUp, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
