import { z } from 'zod';
import { pushedSetShape } from './pushed-set';
import { Timestamp, ViewOf, timestamp } from './timestamp';
import { deliveryAttemptSchema, deliveryProgressShape } from './webhook-delivery';

export const PUSH_HISTORY_PATH = '/api/v1/policy-pushes';

/** One row of GET /api/v1/policy-pushes: a webhook or git push or a served pull, as viewers may see it (no URL, no secret). */
export const pushHistoryRowSchema = z.object({
  id: z.string(),
  target: z.object({ id: z.string(), name: z.string(), kind: z.string(), deleted: z.boolean() }),
  set: z.object({ id: z.string(), version: z.number().int() }),
  mode: z.string(),
  format: z.string().nullable(),
  itemCount: z.number().int(),
  status: z.string(),
  attempts: z.number().int(),
  requestedBy: z.string(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable().describe('When the receiver took it (webhook 2xx) or the pull was served; null while queued/retrying or when failed'),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  commitSha: z
    .string()
    .nullable()
    .describe("git pushes: the commit made; null when the branch already held the same files (status 'unchanged') and for other modes"),
  lastAttempt: deliveryAttemptSchema.nullable().describe('The latest delivery attempt of a webhook push; null before the first one (and for pulls)'),
  verified: z
    .boolean()
    .nullable()
    .optional()
    .describe('console connectors: the read-back held exactly the plan (a console push is delivered only when verified); null for other modes'),
});
export type PushHistoryRow<T extends Timestamp = string> = ViewOf<typeof pushHistoryRowSchema, T>;

/** POST /api/v1/exclusion-sets/{id}/push: the queued push of the set's APPROVED items. */
export const queuedPushSchema = z.object({
  pushId: z.string(),
  ...pushedSetShape,
  items: z.number().int().describe('Approved items pushed'),
  digest: z.string().describe('sha256 of the body every attempt delivers (git: of the files)'),
  status: z.literal('queued'),
  rollbackOf: z.string().optional().describe('rollback: the earlier push whose version is pushed again'),
  skipped: z
    .array(z.object({ value: z.string(), reason: z.string() }))
    .optional()
    .describe('rollback: items of that version no longer approved in that form, left out'),
});
export type QueuedPush = z.infer<typeof queuedPushSchema>;

/** One row of GET /api/v1/policy-targets/{id}/pushes (admins): a push or served pull with every delivery attempt. */
export const targetPushViewSchema = z.object({
  id: z.string(),
  ...pushedSetShape,
  mode: z.string(),
  format: z.string().nullable(),
  commitSha: z.string().nullable(),
  items: z.unknown().describe('The approved items sent: [{type, value, user, applyToChildren}]'),
  itemCount: z.number().int(),
  digest: z.string(),
  ...deliveryProgressShape,
  requestedBy: z.string(),
  createdAt: timestamp,
  deliveredAt: timestamp.nullable(),
  plan: z.unknown().optional().describe('console connectors: {add, remove, unchanged} against the owned items the console held'),
  applied: z.unknown().optional().describe('console connectors: the owned console items after apply [{key, consoleId, body}]'),
  verified: z.boolean().nullable().optional().describe('console connectors: the read-back held exactly the plan'),
  drift: z.unknown().optional().describe('console connectors: owned items changed by hand, found before this push'),
  attemptLog: z.array(deliveryAttemptSchema),
});
export type TargetPushView<T extends Timestamp = string> = ViewOf<typeof targetPushViewSchema, T>;

/**
 * A push that reached its target: a webhook the receiver took (2xx), a git commit pushed, a git push
 * that found the branch already holding the same files ('unchanged'), or a pull that was served.
 */
export function pushSucceeded(p: Pick<PushHistoryRow<Timestamp>, 'status'>): boolean {
  return p.status === 'delivered' || p.status === 'served' || p.status === 'unchanged';
}

/** An item as a console connector plans it: its key (what it excludes) and the vendor's form of it. */
export const consoleItemSchema = z.object({ key: z.string(), body: z.unknown() });
export const ownedConsoleItemSchema = consoleItemSchema.extend({ consoleId: z.string().describe("the console's id of the item") });

/** An owned console item that differs from what the hub last applied. */
export const consoleDriftSchema = z.object({
  key: z.string(),
  consoleId: z.string(),
  kind: z.enum(['removed', 'changed', 'added']),
  applied: z.unknown().optional(),
  observed: z.unknown().optional(),
});

/** POST /api/v1/exclusion-sets/{id}/push with dryRun: what the push would change in the console now (nothing is written). */
export const dryRunResultSchema = z.object({
  dryRun: z.literal(true),
  ...pushedSetShape,
  plan: z.object({ add: z.array(consoleItemSchema), remove: z.array(ownedConsoleItemSchema), unchanged: z.array(ownedConsoleItemSchema) }),
  drift: z.array(consoleDriftSchema),
  humanMade: z.number().int().describe('items in the same place the hub did not create: never touched'),
  owned: z.number().int(),
  skipped: z.array(z.object({ value: z.string(), reason: z.string() })).describe('approved items this console cannot carry, with why'),
});
export type DryRunResult = z.infer<typeof dryRunResultSchema>;

/** GET /api/v1/policy-targets/{id}/drift. */
export const driftReportSchema = z.object({
  targetId: z.string(),
  kind: z.string(),
  drift: z.array(consoleDriftSchema),
  humanMade: z.number().int(),
  owned: z.number().int(),
  lastAppliedPushId: z.string().nullable(),
});
export type DriftReport = z.infer<typeof driftReportSchema>;
