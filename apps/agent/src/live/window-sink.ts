import type { WindowCounts } from '@fleettune/counting';
import { BatchSpool } from '../spool/batch-spool';
import { windowToBatch } from '../uplink/window-batch';

/**
 * Where complete windows go: an append-only sequence (the spool). The live
 * follower's exactly-once delivery relies on sequences being consecutive and
 * on `lastSequence()` surviving a crash (the spool's frames and acked.json).
 */
export interface WindowSink {
  /** Highest sequence ever appended (acknowledged or not); 0 when none. */
  lastSequence(): number;
  /** Appends durably; returns the sequence it got. */
  append(w: WindowCounts): number;
}

export function spoolSink(spool: BatchSpool, hostId: string): WindowSink {
  return {
    lastSequence() {
      const pending = spool.unacked();
      const last = pending.length ? pending[pending.length - 1].sequence : 0;
      return Math.max(spool.stats().ackedThrough, last);
    },
    append(w) {
      return spool.append(windowToBatch(hostId, w)).sequence;
    },
  };
}
