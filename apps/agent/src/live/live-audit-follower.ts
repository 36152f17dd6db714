import { LiveAuditCounter } from './live-audit-counter';
import { DEFAULT_GRACE_MS, DEFAULT_QUIET_MS, LiveFileFollower, LiveFileFollowerOptions } from './live-file-follower';

export { DEFAULT_GRACE_MS, DEFAULT_QUIET_MS };
export type LiveAuditFollowerOptions = LiveFileFollowerOptions;

/**
 * Follows an audit log across rotation and appends each complete window to
 * the sink exactly once, even across crashes and restarts (see
 * LiveCheckpoint and LiveFileFollower). Only `step()`/`finish()` do I/O.
 */
export class LiveAuditFollower extends LiveFileFollower {
  constructor(o: LiveAuditFollowerOptions) {
    super(o, new LiveAuditCounter({ source: o.source, windowMs: o.windowMs, graceMs: o.graceMs ?? DEFAULT_GRACE_MS }));
  }
}
