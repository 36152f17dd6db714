import type { SourceReadResult } from './event-source';

/**
 * Per-source detail a source may attach to its read result (beside the
 * normalized counts), e.g. mdatp's per-process scan time. Report sections in
 * ../report/source-details-report.ts render it.
 */
export interface SourceDetails {
  /** Section title -> rows (each a flat record of printable values). */
  sections: Array<{ title: string; columns: string[]; numeric: boolean[]; rows: Array<Array<string | number>> }>;
  /** Notes for the reader (mode, restarts, warnings). */
  notes: string[];
  /** Machine-readable detail for --json. */
  data: Record<string, unknown>;
}

export type SourceReadResultWithDetails = SourceReadResult & { details?: SourceDetails };

/** The detail a source attached to its result, if any. */
export function detailsOf(read: SourceReadResult): SourceDetails | undefined {
  return (read as SourceReadResultWithDetails).details;
}

/** The input's file name when the chunks come from fs.createReadStream (undefined for stdin). */
export function inputNameOf(chunks: AsyncIterable<Buffer>): string | undefined {
  const p = (chunks as { path?: unknown }).path;
  return typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString() : undefined;
}

/**
 * A count row of a source that reports counts (files scanned per process,
 * hits per path) becomes one event weighted `n`, so a snapshot of millions of
 * scans costs one call instead of millions.
 */
export function emitRepeated<E extends { weight?: number }>(onEvent: (e: E) => void, event: E, n: number): void {
  if (n > 0) onEvent({ ...event, weight: n });
}

/** Sum of skip reason tallies, as plain records. */
export function mergeReasons(...all: Array<Partial<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of all) for (const [k, v] of Object.entries(r)) if (v) out[k] = (out[k] ?? 0) + v;
  return out;
}
