import { InvalidArgumentError } from 'commander';
import { platformOs } from './host-identity';

export type AgentPlatform = 'linux' | 'darwin';
export const AGENT_PLATFORMS: readonly AgentPlatform[] = ['darwin', 'linux'];

/**
 * The platform a source's captures come from, where only one has it:
 * auditd, fanotify (fatrace) and bcc are Linux; eslogger and the DTrace
 * scripts the Cisco guide runs are macOS. mdatp and the Cisco Support Tool
 * exist on both.
 */
const SOURCE_PLATFORM: Readonly<Record<string, AgentPlatform>> = {
  'linux-audit': 'linux',
  fanotify: 'linux',
  'bcc-execsnoop': 'linux',
  'bcc-opensnoop': 'linux',
  eslogger: 'darwin',
  'dtrace-newproc': 'darwin',
  'dtrace-iosnoop': 'darwin',
};

/** `--platform` value: darwin or linux. */
export function parsePlatform(v: string): AgentPlatform {
  if (v !== 'darwin' && v !== 'linux') throw new InvalidArgumentError('must be darwin or linux');
  return v;
}

/** This host's platform, the default of `--platform`. */
export function hostPlatform(): AgentPlatform {
  return platformOs();
}

/**
 * A note when `source` captures come from the other platform than the one
 * counted as (e.g. a Mac's eslogger capture replayed on a Linux box without
 * `--platform darwin`): its counts would land in the wrong platform's set.
 */
export function platformMismatch(source: string, platform: AgentPlatform): string | undefined {
  const from = SOURCE_PLATFORM[source];
  if (!from || from === platform) return undefined;
  return `${source} captures come from ${from} hosts but they are counted as ${platform}: pass --platform ${from} when replaying another host's captures`;
}
