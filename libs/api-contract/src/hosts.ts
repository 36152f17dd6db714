import type { Timestamp } from './timestamp';

/** Host tags: lower case letters, digits, `. _ : -`, starting with a letter or digit, at most 63 characters. */
export const HOST_TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,62}$/;
export const MAX_HOST_TAGS = 20;

/** A host's latest agent health (spool, drops, watchdog), as GET /api/v1/hosts shows it. */
export interface AgentStatusView<T extends Timestamp = string> {
  /** Sequence of the batch that carried it, and when the hub committed that batch. */
  sequence: number;
  reportedAt: T;
  spoolPendingBatches: number;
  spoolBytes: number;
  /** 0 = unbounded. */
  spoolBoundBytes: number;
  droppedBatchesTotal: number;
  droppedEventsTotal: number;
  mergesTotal: number;
  rejectedBatchesTotal: number;
  /** Watchdog degrade level, 0 = normal. */
  degradeLevel: number;
  degraded: boolean;
  pausedSources: string[];
  /** 0 = unknown. */
  rssBytes: number;
  cpuPercent: number;
  /** Inputs that yielded no event ("<source> <input>: why"); the agent keeps sending them until the input yields events. */
  inputWarnings: string[];
}

/** One row of GET /api/v1/hosts. */
export interface HostView<T extends Timestamp = string> {
  id: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  createdAt: T;
  lastSeenAt: T | null;
  /** `online` when it reported within FLEETTUNE_HOST_STALE_SECONDS. */
  status: 'online' | 'stale';
  /** Issue 13: active, pending (awaits admin approval, cannot upload) or blocked (agent revoked; an admin must lift it). */
  enrollment: 'active' | 'pending' | 'blocked';
  /** Labels set by admins (PUT /api/v1/hosts/:id/tags), sorted. */
  tags: string[];
  /** Its newest batch came from an agent with --redact-users: no user names or home paths leave that host (issue 18). */
  usersRedacted: boolean;
  /** What its agent last reported about itself; null before the first report. */
  agentStatus: AgentStatusView<T> | null;
}
