/**
 * One fleet rollup row: the hub's SQL produces these from stored window
 * counts. Rows may come at any window length not longer than the evaluation
 * window; the engine re-buckets them into epoch-aligned evaluation windows.
 *
 * - `file`: file operations on `path` (create/modify/rename...), the AV scan noise.
 * - `exec`: executions of `path`, started by `parentPath`.
 * - `audit-exe`: audit records whose initiator is the executable `path`.
 * - `audit-path`: audit records about `path` (a file; its directory is the exclusion subject).
 */
export type FleetActivityKind = 'file' | 'exec' | 'audit-exe' | 'audit-path';

export interface FleetActivityRow {
  kind: FleetActivityKind;
  path: string;
  /** exec: the parent executable, '' or absent when unknown. */
  parentPath?: string;
  /** User name as reported, or the numeric uid as text. */
  user?: string;
  /** Numeric uid when known; decides whether a named user is a system account. */
  uid?: number;
  hostId: string;
  windowStartMs: number;
  count: number;
}
