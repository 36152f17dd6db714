/** Thrown by a fault hook to stand for the agent being killed at that point; specs catch only this. */
export class Crash extends Error {}

/** Where a live follower may be killed: after its checkpoint is durable, or after a window went to the spool. */
export type CrashPoint = 'checkpoint' | 'append' | undefined;

/**
 * The follower fault hooks (LiveFileFollower's `faults`) that throw Crash when
 * `crashAt()` names their point: read on every call, so a spec can move the
 * crash point between steps of the same follower.
 */
export function crashFaults(crashAt: () => CrashPoint): { afterCheckpoint: () => void; afterAppend: () => void } {
  return {
    afterCheckpoint: () => {
      if (crashAt() === 'checkpoint') throw new Crash();
    },
    afterAppend: () => {
      if (crashAt() === 'append') throw new Crash();
    },
  };
}
