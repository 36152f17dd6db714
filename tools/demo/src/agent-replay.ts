export interface ReplayOptions {
  /** The agent's --hub: one gRPC address, or several comma-separated. */
  hub: string;
  /** A recorded auditd log. */
  input: string;
  hostname: string;
  stateDir: string;
  /** On argv only where the test wants it there; otherwise pass FLEETTUNE_ENROLL_SECRET in the environment (ps shows argv). */
  enrollSecret?: string;
}

/** `fleettune-agent run` arguments that send one recorded audit log to a hub once and exit. */
export function replayOnceArgs(o: ReplayOptions): string[] {
  return [
    'run',
    '--hub',
    o.hub,
    ...(o.enrollSecret === undefined ? [] : ['--enroll-secret', o.enrollSecret]),
    '--source',
    'linux-audit',
    '--input',
    o.input,
    '--hostname',
    o.hostname,
    '--state-dir',
    o.stateDir,
    '--once',
  ];
}
