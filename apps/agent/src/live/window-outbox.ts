import type { WindowCounts } from '@fleettune/counting';
import { batchesOf, WindowSink } from './window-sink';

/**
 * What every checkpointed live source (the log followers, the mdatp poller)
 * is built with: its source name, where its checkpoint lives, the sink its
 * outbox is delivered to, and its window length.
 */
export interface CheckpointedSourceOptions {
  source: string;
  stateDir: string;
  sink: WindowSink;
  windowMs: number;
  log?: (msg: string) => void;
  now?: () => number;
}

/**
 * Completed windows saved in a checkpoint before they are spooled, with the
 * sink's last sequence at that moment: their hub-sized batches take the
 * sequences that follow it, in order.
 */
export interface WindowOutbox {
  afterSequence: number;
  windows: WindowCounts[];
}

/**
 * Appends the outbox's batches the sink does not have yet, so a stop between
 * the checkpoint and the appends neither loses a window nor spools one twice
 * (the followers' and the mdatp poller's exactly-once delivery). `onAppended`
 * runs after each append with the sequence the batch should have got and the
 * one it got. Returns how many batches were appended.
 */
export function deliverOutbox(
  sink: WindowSink,
  outbox: WindowOutbox,
  onAppended?: (batch: WindowCounts, index: number, expected: number, got: number) => void,
): number {
  let appended = 0;
  batchesOf(outbox.windows).forEach((w, i) => {
    const expected = outbox.afterSequence + 1 + i;
    if (sink.lastSequence() >= expected) return;
    const got = sink.append(w);
    appended++;
    onAppended?.(w, i, expected, got);
  });
  return appended;
}
