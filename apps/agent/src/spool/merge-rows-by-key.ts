/**
 * Rows with equal keys merged into one (first-seen order kept): how the spool
 * merges two batches' rows and how redaction sums rows that became equal.
 */
export function mergeRowsByKey<T>(rows: readonly T[], key: (r: T) => string, merge: (a: T, b: T) => T): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    const prev = out.get(k);
    out.set(k, prev ? merge(prev, r) : r);
  }
  return [...out.values()];
}
