import { CountBatch } from '../generated/fleettune/v1/agent';

/** The window length specs use unless they say otherwise: the agent's default minute. */
export const SPEC_WINDOW_MS = 60_000;

/**
 * A CountBatch for specs of both apps (the agent's spool and uplink, the hub's
 * ingest): host `h`, sequence 1, source linux-audit, one minute from
 * `windowStartMs`, nothing skipped or dropped and every row list empty, so a
 * spec names only the fields it is about. `events` defaults to the sum of the
 * exec rows, which keeps a batch consistent unless a spec wants otherwise.
 * The agent's spool assigns its own sequence on append, so the default there
 * is harmless. Optional fields (agentStatus, usersRedacted) stay absent, as in
 * a batch an older agent sends.
 */
export function countBatch(fields: Partial<CountBatch> = {}): CountBatch {
  const windowStartMs = fields.windowStartMs ?? 0;
  const execs = fields.execs ?? [];
  return {
    hostId: 'h',
    sequence: 1,
    windowStartMs,
    windowEndMs: windowStartMs + SPEC_WINDOW_MS,
    source: 'linux-audit',
    events: execs.reduce((n, r) => n + r.count, 0),
    skipped: 0,
    dropped: 0,
    execs,
    files: [],
    auditKeys: [],
    initiators: [],
    syscalls: [],
    hostCost: [],
    ...fields,
  };
}
