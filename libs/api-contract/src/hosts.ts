import { z } from 'zod';
import { hostRefShape } from './host-ref';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** Host tags: lower case letters, digits, `. _ : -`, starting with a letter or digit, at most 63 characters. */
export const HOST_TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,62}$/;
export const MAX_HOST_TAGS = 20;

/** A host's latest agent health (spool, drops, watchdog), as GET /api/v1/hosts shows it. */
export const agentStatusViewSchema = z.object({
  sequence: z.number().int().describe('Sequence of the batch that carried it'),
  reportedAt: timestamp.describe('When the hub committed that batch'),
  spoolPendingBatches: z.number(),
  spoolBytes: z.number(),
  spoolBoundBytes: z.number().describe('0 = unbounded'),
  droppedBatchesTotal: z.number(),
  droppedEventsTotal: z.number(),
  mergesTotal: z.number(),
  rejectedBatchesTotal: z.number(),
  degradeLevel: z.number().describe('Watchdog degrade level, 0 = normal'),
  degraded: z.boolean(),
  pausedSources: z.array(z.string()),
  rssBytes: z.number().describe('0 = unknown'),
  cpuPercent: z.number(),
  inputWarnings: z
    .array(z.string())
    .describe('Inputs that yielded no event ("<source> <input>: why"); the agent keeps sending them until the input yields events'),
});
export type AgentStatusView<T extends Timestamp = string> = ViewOf<typeof agentStatusViewSchema, T>;

/** One row of GET /api/v1/hosts. */
export const hostViewSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  os: z.string(),
  agentVersion: z.string().nullable(),
  createdAt: timestamp,
  lastSeenAt: timestamp.nullable(),
  status: z.enum(['online', 'stale']).describe('`online` when it reported within FLEETTUNE_HOST_STALE_SECONDS'),
  enrollment: z
    .enum(['active', 'pending', 'blocked'])
    .describe('active, pending (awaits admin approval, cannot upload) or blocked (agent revoked; an admin must lift it)'),
  tags: z.array(z.string()).describe('Labels set by admins (PUT /api/v1/hosts/:id/tags), sorted'),
  usersRedacted: z.boolean().describe('Its newest batch came from an agent with --redact-users: no user names or home paths leave that host'),
  agentStatus: agentStatusViewSchema.nullable().describe('What its agent last reported about itself; null before the first report'),
});
export type HostView<T extends Timestamp = string> = ViewOf<typeof hostViewSchema, T>;

/** A host's enrollment standing, as POST /api/v1/hosts/{id}/approve|block|unblock answer. */
export const hostStandingSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  status: z.enum(['active', 'pending', 'blocked']),
  statusChangedAt: timestamp.nullable(),
  activeAgents: z.number().int(),
  rekeyExpiresAt: timestamp.nullable(),
});
export type HostStanding<T extends Timestamp = string> = ViewOf<typeof hostStandingSchema, T>;

/** POST /api/v1/hosts/{id}/rekey: the one-time token that enrolls the next agent onto the host. */
export const rekeyGrantSchema = z.object({
  hostId: z.string(),
  rekeyToken: z.string().describe('Shown once: the new agent enrolls with it in place of the enrollment secret'),
  expiresAt: timestamp,
  revokedAgents: z.number().int(),
});
export type RekeyGrant<T extends Timestamp = string> = ViewOf<typeof rekeyGrantSchema, T>;

/** One row of GET /api/v1/agents. */
export const agentViewSchema = z.object({
  id: z.string(),
  ...hostRefShape,
  createdAt: timestamp,
  revokedAt: timestamp.nullable(),
});
export type AgentView<T extends Timestamp = string> = ViewOf<typeof agentViewSchema, T>;
