import type { Timestamp } from './timestamp';

/** One row of GET /api/v1/noise/{kind}. */
export interface NoiseRow<T extends Timestamp = string> {
  /** The path, parent, directory, extension, audit key or syscall. */
  subject: string;
  /** Same as subject for path-like kinds (kept for older clients). */
  path?: string;
  count: number;
  hosts: number;
  /** count / seconds between the first window start and the last window end. */
  ratePerSecond: number;
  firstWindowStart: T;
  lastWindowEnd: T;
}
