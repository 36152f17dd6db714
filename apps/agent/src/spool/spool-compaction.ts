import { CountBatch } from '@fleettune/proto';
import { DEFAULT_MERGE_LIMITS, MergeLimits, dropRows, isDropRecord, mayMerge, mergeBatches } from './batch-merge';
import { HEADER_BYTES, batchFrameBytes } from './spool-frames';

export interface CompactionOptions {
  /**
   * Highest sequence ever handed to the uplink. Those batches may already be
   * committed on the hub (ack lost), so they are kept exactly as they are:
   * merging or dropping one would double count or lose its counts.
   */
  sentThrough: number;
  /** Merging aims this low, so that the next appends do not compact again at once. */
  targetBytes: number;
  /** Dropping starts only when merging cannot bring the frames under this. */
  limitBytes: number;
  /** false: merge only (the spool first tries merging everywhere before it drops anywhere). Default true. */
  mayDrop?: boolean;
  limits?: MergeLimits;
  frameBytes?: (b: CountBatch) => number;
}

export interface CompactionResult {
  /** What the spool holds afterwards, sequence order. */
  batches: CountBatch[];
  bytes: number;
  /** Batches that disappeared into coarser ones. */
  mergedAway: number;
  /** Batches whose rows were dropped (their events now count as `dropped`). */
  droppedBatches: number;
  droppedEvents: number;
}

interface Item {
  b: CountBatch;
  size: number;
}

/**
 * Makes the never-sent part of the spool smaller. First it merges windows
 * of the same source pairwise, oldest first, round after round (each round
 * doubles their length) until the frames fit `targetBytes` or nothing more
 * may merge (the hub's window, row and size limits). Only when that still
 * leaves more than `limitBytes` are the oldest never-sent batches dropped:
 * each becomes a drop record (`dropRows`) that keeps its sequence and
 * reports its events as `dropped`, so the loss reaches the hub, counted, in
 * the same atomic rewrite that made it. Counts are conserved exactly:
 * sum(events + dropped) and every per-key count minus the dropped rows.
 */
export function compactSpool(pending: readonly CountBatch[], o: CompactionOptions): CompactionResult {
  const limits = o.limits ?? DEFAULT_MERGE_LIMITS;
  const frameBytes = o.frameBytes ?? batchFrameBytes;
  let items: Item[] = pending.map((b) => ({ b, size: frameBytes(b) }));
  let bytes = items.reduce((s, it) => s + it.size, 0);
  const result = { mergedAway: 0, droppedBatches: 0, droppedEvents: 0 };
  const unsent = (b: CountBatch) => b.sequence > o.sentThrough;

  const mergeRounds = () => {
    for (let changed = true; changed && bytes > o.targetBytes;) {
      changed = false;
      const slots: Array<Item | undefined> = items;
      const waiting = new Map<string, number>();
      for (let i = 0; i < slots.length && bytes > o.targetBytes; i++) {
        const cur = slots[i]!;
        if (!unsent(cur.b)) continue;
        const w = waiting.get(cur.b.source);
        const prev = w === undefined ? undefined : slots[w];
        if (w === undefined || !prev || !mayMerge(prev.b, cur.b, limits)) {
          waiting.set(cur.b.source, i);
          continue;
        }
        const m = mergeBatches(prev.b, cur.b, limits);
        const size = frameBytes(m);
        if (size - HEADER_BYTES > limits.maxBatchBytes) {
          waiting.set(cur.b.source, i);
          continue;
        }
        // The merge takes the later slot: its sequence is the higher one.
        slots[w] = undefined;
        slots[i] = { b: m, size };
        bytes += size - prev.size - cur.size;
        waiting.delete(cur.b.source);
        result.mergedAway += 1;
        changed = true;
      }
      items = slots.filter((x): x is Item => x !== undefined);
    }
  };

  if (bytes > o.limitBytes) {
    mergeRounds();
    if (bytes > o.limitBytes && o.mayDrop !== false) {
      for (let i = 0; i < items.length && bytes > o.targetBytes; i++) {
        const { b, size } = items[i];
        if (!unsent(b) || isDropRecord(b)) continue;
        const d = dropRows(b);
        const dSize = frameBytes(d);
        items[i] = { b: d, size: dSize };
        bytes += dSize - size;
        result.droppedBatches += 1;
        result.droppedEvents += b.events;
      }
      // Drop records of one source fold together (their windows still within the hub's limits).
      mergeRounds();
    }
  }
  return { batches: items.map((it) => it.b), bytes, ...result };
}
