import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAuditctlStatus } from '@fleettune/host-cost';
import { AuditSession, openAuditSession, startNoisyExecs } from '@fleettune/host-cost/dist/testing/audit-kernel';
import { AgentRun, AgentRunOptions, spawnAgentRun } from './agent-process';

/**
 * For the hub's kernel specs: this machine's kernel audit (a session of its own, see host-cost's audit-kernel) with
 * rules for a noisy exec workload and a heartbeat, and the real agent following the session's log into a hub.
 */
export interface NoisyAuditHost {
  session: AuditSession;
  /** A scratch directory of this host, removed on close. */
  dir: string;
  /** The agent's state directory (its credentials.json once it has enrolled). */
  stateDir: string;
  /** The workload: a shell loop starting `binary`. */
  noisy: { binary: string; shellPid: number; stop(): Promise<void> };
  /** Starts `run` on the session's log as host `<tag>-<pid>`; what it printed is `agent.output()`. */
  startAgent(o: Pick<AgentRunOptions, 'hubAddress' | 'enrollSecret' | 'windowSeconds' | 'args' | 'env'>): AgentRun;
  /** Stops the agent, the heartbeat and the workload; `beforeSessionCloses` runs then, before the backlog limit is restored and the session closed. */
  close(beforeSessionCloses?: () => void): Promise<void>;
}

/** Opens the session and starts the workload; `tag` names the scratch directory, the rules' key and the host. */
export async function openNoisyAuditHost(tag: string, log: (m: string) => void): Promise<NoisyAuditHost> {
  const session = await openAuditSession(log);
  // The kernel's default backlog (64) overflows when a loaded machine (CI running tests in parallel)
  // delays auditd; production guides raise it (-b 8192), and so do these specs, restoring it on close.
  const backlogBefore = parseAuditctlStatus(execFileSync('auditctl', ['-s'], { encoding: 'utf8' }))?.backlogLimit ?? 64;
  execFileSync('auditctl', ['-b', '8192']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
  const stateDir = path.join(dir, 'state');
  const key = `${tag}-${process.pid}`;
  const noisy = startNoisyExecs(dir, `${tag}-noisy`);
  const heartbeatFile = path.join(dir, 'heartbeat');
  let heartbeat: NodeJS.Timeout | undefined;
  let agent: AgentRun | undefined;
  const close = async (beforeSessionCloses?: () => void) => {
    clearInterval(heartbeat);
    await agent?.stop();
    await noisy.stop();
    beforeSessionCloses?.();
    execFileSync('auditctl', ['-b', String(backlogBefore)]);
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Only the workload's execs (children of its shell loop): other processes
    // on the machine (parallel tests) must not move the measured event rate.
    session.addRule(['-a', 'always,exit', '-F', 'arch=b64', '-S', 'execve', '-F', `ppid=${noisy.shellPid}`, '-k', key]);
    // A steady trickle of other events (5/s), so the agent keeps sending
    // windows after an exclusion silences the workload.
    fs.writeFileSync(heartbeatFile, '');
    session.addRule(['-a', 'always,exit', '-F', 'arch=b64', '-S', 'openat', '-F', `path=${heartbeatFile}`, '-k', key]);
    heartbeat = setInterval(() => fs.appendFileSync(heartbeatFile, '.'), 200);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    session,
    dir,
    stateDir,
    noisy,
    startAgent(o) {
      agent = spawnAgentRun({ ...o, input: session.logFile, hostname: key, stateDir });
      return agent;
    },
    close,
  };
}
