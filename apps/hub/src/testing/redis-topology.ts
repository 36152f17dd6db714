/**
 * Redis topologies for failover specs, as real `redis-server` processes on
 * loopback: a Sentinel group (one master, one replica, three sentinels) and a
 * three-master Cluster. Nothing is kept on disk beyond a temporary directory.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from '@fleettune/db-tools';
import { waitFor } from '../alerts/test-fleet.fixture';

const execFileP = promisify(execFile);
export const SENTINEL_MASTER = 'fleettune-master';

class RedisProcess {
  private exited = false;
  readonly exit: Promise<void>;

  constructor(
    readonly port: number,
    readonly proc: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => proc.once('exit', () => ((this.exited = true), resolve())));
  }

  /**
   * Starts `redis-server` on a free port. Ready means *this* process answers (its pid in INFO server):
   * a port handed out by freePort can be taken again before the server binds it (another spec, or the
   * group's own second freePort), and a PONG from that other server must not pass for ours. Such a
   * server exits with "Address already in use"; it is started again on a new port.
   */
  static async start(argsFor: (port: number) => string[], dir: string, taken: number[] = []): Promise<RedisProcess> {
    for (let attempt = 1; ; attempt++) {
      let port = await freePort();
      while (taken.includes(port)) port = await freePort();
      const logFile = path.join(dir, `redis-${port}.log`);
      const log = fs.openSync(logFile, 'a');
      const proc = spawn('redis-server', argsFor(port), { cwd: dir, stdio: ['ignore', log, log] });
      fs.closeSync(log);
      const p = new RedisProcess(port, proc);
      try {
        await waitFor(`redis-server (pid ${proc.pid}) on ${port}`, async () => {
          if (p.exited) throw new Error(`redis-server on ${port} exited: ${tail(logFile)}`);
          return (await pidOn(port)) === proc.pid;
        });
        return p;
      } catch (err) {
        await p.kill();
        if (attempt < 3 && /Address already in use/i.test(tail(logFile))) continue;
        throw err;
      }
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited || this.proc.signalCode !== null || this.proc.exitCode !== null) return;
    this.proc.kill(signal);
    await this.exit;
  }
}

/** The pid of the redis-server answering on `port`, or undefined while none answers. */
async function pidOn(port: number): Promise<number | undefined> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return Number(/process_id:(\d+)/.exec(String(await c.info('server')))?.[1]);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-800);
  } catch {
    return '(no log)';
  }
}

async function command(port: number, ...args: string[]): Promise<unknown> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return await c.call(args[0], ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

const DATA_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/** One master, one replica, three sentinels (quorum 2), failing over after 1 s of silence. */
export class SentinelGroup {
  private constructor(
    readonly dir: string,
    private readonly servers: RedisProcess[],
    private readonly sentinels: RedisProcess[],
  ) {}

  static async start(): Promise<SentinelGroup> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-sentinel-'));
    const servers: RedisProcess[] = [];
    const sentinels: RedisProcess[] = [];
    try {
      // No diskless-sync delay (Redis 7 waits 5 s for more replicas by default): the replica is in sync in
      // well under a second on loopback; the 60 s bound is for a loaded CI machine, and its error carries
      // both servers' logs so that a failure says why.
      const master = await RedisProcess.start((port) => ['--port', String(port), ...DATA_ARGS, '--repl-diskless-sync-delay', '0'], dir);
      servers.push(master);
      const mp = master.port;
      const replica = await RedisProcess.start((port) => ['--port', String(port), ...DATA_ARGS, '--replicaof', '127.0.0.1', String(mp)], dir, [mp]);
      servers.push(replica);
      try {
        await waitFor('the replica in sync', async () => /master_link_status:up/.test(String(await command(replica.port, 'INFO', 'replication'))), 60_000);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\nmaster log: ${tail(path.join(dir, `redis-${mp}.log`))}\nreplica log: ${tail(path.join(dir, `redis-${replica.port}.log`))}`,
        );
      }
      for (let i = 0; i < 3; i++) {
        const sentinel = await RedisProcess.start(
          (sp) => {
            const conf = path.join(dir, `sentinel-${sp}.conf`);
            fs.writeFileSync(
              conf,
              [
                `port ${sp}`,
                'bind 127.0.0.1',
                `dir ${dir}`,
                `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${mp} 2`,
                `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
                `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
                `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
                '',
              ].join('\n'),
            );
            return [conf, '--sentinel'];
          },
          dir,
          [...servers, ...sentinels].map((p) => p.port),
        );
        sentinels.push(sentinel);
      }
      const group = new SentinelGroup(dir, servers, sentinels);
      await waitFor('the sentinels to see the replica', async () => {
        const replicas = (await command(sentinels[0].port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER)) as unknown[];
        return Array.isArray(replicas) && replicas.length === 1;
      });
      return group;
    } catch (err) {
      await Promise.all([...servers, ...sentinels].map((p) => p.kill()));
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** REDIS_URL for the hub. */
  get url(): string {
    return `redis+sentinel://${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${SENTINEL_MASTER}`;
  }

  /** The port the sentinels name as master now. */
  async masterPort(): Promise<number> {
    const [, port] = (await command(this.sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as [string, string];
    return Number(port);
  }

  /** `kill -9` of the master; resolves once the sentinels promoted the replica and it answers as master. */
  async killMaster(): Promise<{ oldPort: number; newPort: number }> {
    const oldPort = await this.masterPort();
    const master = this.servers.find((s) => s.port === oldPort);
    if (!master) throw new Error(`master ${oldPort} is not one of this group's servers`);
    await master.kill('SIGKILL');
    let newPort = oldPort;
    await waitFor(
      'a sentinel failover',
      async () => {
        newPort = await this.masterPort();
        return newPort !== oldPort && /role:master/.test(String(await command(newPort, 'INFO', 'replication')));
      },
      30_000,
    );
    return { oldPort, newPort };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((p) => p.kill()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three masters, no replicas, slots spread by `redis-cli --cluster create`. */
export class RedisCluster {
  private constructor(
    readonly dir: string,
    private readonly nodes: RedisProcess[],
  ) {}

  static async start(): Promise<RedisCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-cluster-'));
    const nodes: RedisProcess[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        nodes.push(
          await RedisProcess.start(
            (p) => [
              '--port',
              String(p),
              ...DATA_ARGS,
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              `nodes-${p}.conf`,
              '--cluster-node-timeout',
              '2000',
            ],
            dir,
            nodes.map((n) => n.port),
          ),
        );
      }
      await execFileP('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      await waitFor('cluster_state:ok on every node', async () => {
        for (const n of nodes) if (!/cluster_state:ok/.test(String(await command(n.port, 'CLUSTER', 'INFO')))) return false;
        return true;
      });
      return new RedisCluster(dir, nodes);
    } catch (err) {
      await Promise.all(nodes.map((n) => n.kill()));
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
