import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
/** Where `npm run build:agent-sea` leaves the single executable. */
export const SEA_BINARY = path.join(REPO, 'tools', 'sea', 'dist', 'fleettune-agent');
/** The same agent run by an installed node, to compare with. */
export const NODE_AGENT = [process.execPath, path.join(REPO, 'apps', 'agent', 'dist', 'main.js')];

/** Command line for the SEA binary or for node + the compiled agent. */
export function agentCommand(which: 'sea' | 'node', binary = SEA_BINARY): string[] {
  return which === 'sea' ? [binary] : NODE_AGENT;
}

export function runAgent(cmd: string[], args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t = Date.now();
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t };
}

function vmRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * RSS of `run` idling: the agent follows an empty log and keeps retrying
 * enrollment against a port nothing listens on, so it stays up doing nothing.
 * Read from /proc/<pid>/status after `settleMs`.
 */
export async function idleRunRss(cmd: string[], settleMs = 4000): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-sea-idle-'));
  const input = path.join(dir, 'empty.audit.log');
  fs.writeFileSync(input, '');
  const child = spawn(
    cmd[0]!,
    [
      ...cmd.slice(1),
      'run',
      '--hub',
      '127.0.0.1:1',
      '--enroll-secret',
      'sea-idle-measurement',
      '--source',
      'linux-audit',
      '--input',
      input,
      '--state-dir',
      path.join(dir, 'state'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    await new Promise((r) => setTimeout(r, settleMs));
    if (child.exitCode !== null || !child.pid) throw new Error(`agent exited early (${child.exitCode}): ${stderr}`);
    return vmRssBytes(child.pid);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
