import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

export interface HubProcess {
  child: ChildProcess;
  pid: number;
  httpUrl: string;
  grpcAddress: string;
  stop(): Promise<void>;
  /** Resident set size of the hub process now (bytes), from /proc. */
  rssBytes(): number;
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

const REPO = path.resolve(__dirname, '..', '..', '..');

/** A secrets key for a throw-away test or benchmark database: the same for every hub process over it. Never for real data. */
export function throwAwayKeyFor(databaseUrl: string): string {
  return createHash('sha256').update(`fleettune throw-away secrets key\0${databaseUrl}`).digest('base64');
}

/** Starts `apps/hub/dist/main.js` as its own process and waits for its ready line. */
export async function startHubProcess(
  env: Record<string, string>,
  opts: {
    timeoutMs?: number;
    logTo?: NodeJS.WritableStream;
    nodeArgs?: string[];
    /** The entry script, when not apps/hub/dist/main.js itself (a wrapper that loads it under another command line). */
    script?: string;
  } = {},
): Promise<HubProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script ?? path.join(REPO, 'apps/hub/dist/main.js')], {
    // The hub refuses to start without a secrets key. Tests and benchmarks get one derived from their
    // database URL: every process over one database (roles, restarts in chaos runs) must share it, and
    // these databases are throw-away. A caller that keeps its database (the demo) passes its own key.
    env: { FLEETTUNE_SECRETS_KEY: throwAwayKeyFor(env.DATABASE_URL ?? process.env.DATABASE_URL ?? ''), ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
    opts.logTo?.write(d);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  // The hub prints one ready line with the ports it bound (0 = any free port).
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let ready: RegExpExecArray | null = null;
  while (!(ready = /fleettune hub ready: (http:\/\/\S+) .*gRPC (\S+)/.exec(output))) {
    if (child.exitCode !== null) throw new Error(`hub exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hub did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const [, httpUrl, grpcAddress] = ready;
  return {
    child,
    pid: child.pid!,
    httpUrl,
    grpcAddress,
    rssBytes: () => rssOf(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        // Already gone (exited, or killed by a signal: then exitCode stays null and 'exit' will not fire again).
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface AgentRun {
  child: ChildProcess;
  done: Promise<{ code: number; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}

/** Starts `fleettune-agent` with the given arguments; `done` settles when it exits. */
export function spawnAgent(args: string[], env: Record<string, string> = {}): AgentRun {
  const child = spawn(process.execPath, [path.join(REPO, 'apps/agent/dist/main.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr })),
  );
  return { child, done };
}

export async function runAgent(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string; stdout: string }> {
  return spawnAgent(args, env).done;
}

export { REPO };
