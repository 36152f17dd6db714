/**
 * The hostile-input property every push parser of this repo must hold, for
 * their specs: arbitrary bytes in arbitrary chunks never make it throw. Not
 * exported from the package index; import
 * '@fleettune/line-input/dist/testing/hostile-input'.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** A push parser: bytes in, its stats out at the end. */
export interface PushParser<Stats> {
  push(chunk: Buffer): void;
  end(): Stats;
}

export interface AnyBytesOptions<Stats> {
  /** Largest chunk fed at once. Default 300. */
  maxChunkBytes?: number;
  /** Default 300. */
  numRuns?: number;
  /** What must hold of the stats after such input (beyond not throwing). */
  check?: (stats: Stats) => void;
}

/** Property: up to 20 chunks of arbitrary bytes, pushed into a new parser, never throw (nor does `end`). */
export function assertAnyBytesNeverThrow<Stats>(make: () => PushParser<Stats>, options: AnyBytesOptions<Stats> = {}): void {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: options.maxChunkBytes ?? 300 }), { maxLength: 20 }), (chunks) => {
      const parser = make();
      for (const c of chunks) parser.push(Buffer.from(c));
      const stats = parser.end();
      options.check?.(stats);
    }),
    { numRuns: options.numRuns ?? 300 },
  );
}

/** Every skip has a reason: the counts by reason add up to the skipped total. */
export function assertSkipReasonsAddUp(stats: { skipped: number; skippedReasons: Partial<Record<string, number>> }): void {
  assert.equal(
    Object.values(stats.skippedReasons).reduce((a: number, b) => a + (b ?? 0), 0),
    stats.skipped,
  );
}
