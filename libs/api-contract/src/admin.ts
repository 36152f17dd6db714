import { z } from 'zod';
import { ROLES } from './roles';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** One row of GET /api/v1/tokens (never the token itself). */
export const apiTokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  createdAt: timestamp,
  revokedAt: timestamp.nullable(),
  active: z.boolean(),
});
export type ApiTokenView<T extends Timestamp = string> = ViewOf<typeof apiTokenViewSchema, T>;

/** POST /api/v1/tokens: the new token with its plaintext, shown only in this answer. */
export const createdApiTokenSchema = apiTokenViewSchema.extend({ token: z.string().describe('The plaintext token, shown only here') });
export type CreatedApiToken<T extends Timestamp = string> = ViewOf<typeof createdApiTokenSchema, T>;

/** GET /api/v1/tokens/me: the caller. */
export const tokenSelfSchema = z.object({ name: z.string(), role: z.enum(ROLES), tokenId: z.string() });
export type TokenSelf = z.infer<typeof tokenSelfSchema>;

/** One row of GET /api/v1/enrollment-secrets (never the secret itself). */
export const enrollmentSecretViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  revokedAt: timestamp.nullable(),
  active: z.boolean(),
});
export type EnrollmentSecretView<T extends Timestamp = string> = ViewOf<typeof enrollmentSecretViewSchema, T>;

/** POST /api/v1/enrollment-secrets: the new secret with its plaintext, shown only in this answer. */
export const createdEnrollmentSecretSchema = enrollmentSecretViewSchema.extend({ secret: z.string().describe('The plaintext secret, shown only here') });
export type CreatedEnrollmentSecret<T extends Timestamp = string> = ViewOf<typeof createdEnrollmentSecretSchema, T>;

/** One row of GET /api/v1/audit-log; secret-bearing detail fields are redacted before they are stored. */
export const auditLogViewSchema = z.object({
  id: z.string(),
  at: timestamp,
  actor: z.string(),
  actorRole: z.string().nullable(),
  tokenId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.unknown(),
});
export type AuditLogView<T extends Timestamp = string> = ViewOf<typeof auditLogViewSchema, T>;

/** One row of GET /api/v1/policy-targets: where approved exclusions go (webhook, pull, git). */
export const policyTargetViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  url: z.string().nullable(),
  branch: z.string().nullable().optional().describe('git targets: the branch the files are committed to'),
  directory: z.string().nullable().optional().describe("git targets: the directory ('' = root) the files are committed to"),
  config: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe('console connectors (cisco-secure-endpoint, intune, jamf): the non-secret settings; null for non-admins. Credentials are never shown'),
  enabled: z.boolean(),
  createdAt: timestamp,
  createdBy: z.string(),
  secret: z.string().optional().describe('Only in the response that created the target'),
  driftCheck: z
    .object({
      checkedAt: timestamp,
      items: z.number().int().nullable().describe('owned console items changed, removed or added by hand; null when the console could not be read'),
      error: z.string().nullable().describe('why the console could not be read'),
    })
    .nullable()
    .optional()
    .describe('console connectors: the last scheduled drift check (FLEETTUNE_POLICY_DRIFT_CHECK_SECONDS), null before the first'),
});
export type PolicyTargetView<T extends Timestamp = string> = ViewOf<typeof policyTargetViewSchema, T>;
