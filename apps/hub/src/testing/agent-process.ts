import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built agent CLI (apps/agent/dist/main.js), for specs that run the real agent against a hub. */
export const AGENT_MAIN = path.resolve(__dirname, '..', '..', '..', 'agent', 'dist', 'main.js');

export interface AgentRunOptions {
  /** The hub's gRPC address, host:port. */
  hubAddress: string;
  enrollSecret: string;
  /** The log the agent follows. */
  input: string;
  hostname: string;
  stateDir: string;
  windowSeconds: number;
  /** More flags of `run`. */
  args?: string[];
  /** The agent's environment (this process's by default). */
  env?: NodeJS.ProcessEnv;
}

/** A running agent, what it has printed so far (stdout and stderr as they came), and how to stop it. */
export interface AgentRun {
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL when it has not exited within 15 s. */
  stop(): Promise<void>;
}

/** Spawns `fleettune-agent run` following `input` into the hub at `hubAddress`, polling every second. */
export function spawnAgentRun(o: AgentRunOptions): AgentRun {
  const child = spawn(
    process.execPath,
    [
      AGENT_MAIN,
      'run',
      '--hub',
      o.hubAddress,
      '--enroll-secret',
      o.enrollSecret,
      '--input',
      o.input,
      '--hostname',
      o.hostname,
      '--state-dir',
      o.stateDir,
      '--window-seconds',
      String(o.windowSeconds),
      '--poll-seconds',
      '1',
      ...(o.args ?? []),
    ],
    { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
