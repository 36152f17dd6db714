import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (tools/simulator/dist -> ../../..). */
export const REPO = path.resolve(__dirname, '..', '..', '..');

export interface HubProcess {
  child: ChildProcess;
  pid: number;
  httpUrl: string;
  grpcAddress: string;
  /** Resident set size of the hub process now (bytes), from /proc. */
  rssBytes(): number;
  stop(): Promise<void>;
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts `apps/hub/dist/main.js` as its own process (as the demo and the e2e
 * test do) and waits for its ready line.
 */
export async function startHubProcess(
  env: Record<string, string>,
  opts: { timeoutMs?: number; logTo?: NodeJS.WritableStream; nodeArgs?: string[] } = {},
): Promise<HubProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(REPO, 'apps/hub/dist/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
    opts.logTo?.write(d);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
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
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Samples a process's RSS every `everyMs` and keeps the peak. */
export function watchRss(pid: number, everyMs = 500): { peak(): number; last(): number; stop(): void } {
  let peak = 0;
  let last = rssOf(pid);
  const t = setInterval(() => {
    last = rssOf(pid);
    if (last > peak) peak = last;
  }, everyMs);
  t.unref();
  return { peak: () => Math.max(peak, last || 0), last: () => last, stop: () => clearInterval(t) };
}
