import { DEFAULT_GRACE_MS, LiveFileFollower, LiveFileFollowerOptions } from './live-file-follower';
import { LiveLineCounter, LiveLineParserFactory } from './live-line-counter';

/**
 * Follows the log of a line source (fatrace, eslogger, ampdaemon.log,
 * dtrace/bcc text) across rotation, exactly once like the audit follower.
 */
export class LiveLineFollower extends LiveFileFollower {
  constructor(o: LiveFileFollowerOptions & { makeParser: LiveLineParserFactory }) {
    super(o, new LiveLineCounter({ source: o.source, windowMs: o.windowMs, graceMs: o.graceMs ?? DEFAULT_GRACE_MS, makeParser: o.makeParser }));
  }
}
