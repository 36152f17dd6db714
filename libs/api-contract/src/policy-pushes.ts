import type { Timestamp } from './timestamp';

export const PUSH_HISTORY_PATH = '/api/v1/policy-pushes';

/** One row of GET /api/v1/policy-pushes: a webhook or git push or a served pull, as viewers may see it (no URL, no secret). */
export interface PushHistoryRow<T extends Timestamp = string> {
  id: string;
  target: { id: string; name: string; kind: string; deleted: boolean };
  set: { id: string; version: number };
  mode: string;
  format: string | null;
  itemCount: number;
  status: string;
  attempts: number;
  requestedBy: string;
  createdAt: T;
  /** When the receiver took it (webhook 2xx) or the pull was served; null while queued/retrying or when failed. */
  finishedAt: T | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** git pushes: the commit made; null when the branch already held the same files (status 'unchanged') and for other modes. */
  commitSha: string | null;
  /** The latest delivery attempt of a webhook push; null before the first one (and for pulls). */
  lastAttempt: { attempt: number; at: T; statusCode: number | null; error: string | null; durationMs: number } | null;
}

/**
 * A push that reached its target: a webhook the receiver took (2xx), a git commit pushed, a git push
 * that found the branch already holding the same files ('unchanged'), or a pull that was served.
 */
export function pushSucceeded(p: Pick<PushHistoryRow<Timestamp>, 'status'>): boolean {
  return p.status === 'delivered' || p.status === 'served' || p.status === 'unchanged';
}
