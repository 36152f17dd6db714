import type { Timestamp } from './timestamp';

/** One row of GET /api/v1/tokens (never the token itself). */
export interface ApiTokenView<T extends Timestamp = string> {
  id: string;
  name: string;
  role: string;
  createdAt: T;
  revokedAt: T | null;
  active: boolean;
}

/** One row of GET /api/v1/audit-log; secret-bearing detail fields are redacted before they are stored. */
export interface AuditLogView<T extends Timestamp = string> {
  id: string;
  at: T;
  actor: string;
  actorRole: string | null;
  tokenId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: unknown;
}

/** One row of GET /api/v1/policy-targets: where approved exclusions go (webhook, pull, git). */
export interface PolicyTargetView<T extends Timestamp = string> {
  id: string;
  name: string;
  kind: string;
  url: string | null;
  /** git targets: the branch and the directory ('' = root) the files are committed to. */
  branch?: string | null;
  directory?: string | null;
  enabled: boolean;
  createdAt: T;
  createdBy: string;
  /** Only in the response that created the target. */
  secret?: string;
}
