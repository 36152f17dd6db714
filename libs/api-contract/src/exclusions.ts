import { z } from 'zod';
import { Timestamp, ViewOf, timestamp } from './timestamp';

export const EXCLUSION_DECISIONS = ['approved', 'rejected', 'snoozed'] as const;
export type ExclusionDecision = (typeof EXCLUSION_DECISIONS)[number];

/**
 * The review state of an item: the newest decision for its identity; an expired snooze is pending
 * again, and so is an approval whose reviewed scope the item now exceeds (`widened`).
 */
export const decisionViewSchema = z.object({
  status: z.enum(['pending', ...EXCLUSION_DECISIONS]),
  scopeDigest: z.string().optional().describe('sha256 of the scope the newest decision was made on'),
  widened: z.array(z.string()).optional().describe('Set when an approval no longer covers the item: what widened since (`applyToChildren false→true`)'),
  narrowed: z.array(z.string()).optional().describe('The item is strictly narrower than the approved scope, so the approval still holds: what narrowed'),
  comment: z.string().optional(),
  snoozeUntil: timestamp.optional(),
  decidedBy: z.string().optional(),
  decidedAt: timestamp.optional(),
  setVersion: z.number().int().optional().describe('The set version the decision was made on'),
  history: z.number().int().describe('Number of decisions recorded for this identity (the audit trail)'),
});
export type DecisionView<T extends Timestamp = string> = ViewOf<typeof decisionViewSchema, T>;

/** An item's risk: a level and the flags that raised it (the rules engine's safety policy). */
export const exclusionRiskSchema = z.object({ level: z.enum(['low', 'medium', 'high']), flags: z.array(z.string()) });

/** Why the engine recommends an item (`@fleettune/rules` ExclusionEvidence). */
export const exclusionEvidenceSchema = z.object({
  hosts: z.number().describe('Hosts where the subject crossed its threshold in at least one window'),
  independentHosts: z.number().optional(),
  hostsReporting: z.number(),
  prevalence: z.number().describe('hosts / hostsReporting, 0..1'),
  totalCount: z.number(),
  peakWindowCount: z.number(),
  peakRatePerSecond: z.number(),
  firstSeenMs: z.number(),
  lastSeenMs: z.number(),
  execCount: z.number().optional(),
  execSeconds: z.number().optional(),
  execBar: z.enum(['rate', 'count']).optional(),
  burstHosts: z.number().optional(),
  peakBurstRatePerSecond: z.number().optional(),
  burstWindowSeconds: z.number().optional(),
  directories: z.number().optional().describe('extension/filename items: distinct (generalized) directories with busy files of the type'),
  distinctPaths: z.number().optional(),
  filesScanned: z.number().optional().describe('scan items: files Defender scanned for the process (fleet total)'),
  scanRank: z.number().optional().describe('scan items: rank by files scanned, 1 = most'),
  auditInitiator: z.string().optional(),
  auditInitiatorShare: z.number().optional(),
  sampleHostIds: z.array(z.string()),
});

/** One recommended exclusion as the engine computed it (`@fleettune/rules` ExclusionItem). */
export const exclusionItemSchema = z.object({
  type: z.string(),
  value: z.string().describe('Absolute path, wildcard pattern, `.ext` or file name, already generalized'),
  isDirectory: z.boolean(),
  user: z.string().describe("Process user scope: `root` or a system account; '' for any user"),
  applyToChildren: z.boolean(),
  globalScopeEligible: z.boolean(),
  reason: z.string(),
  risk: exclusionRiskSchema,
  evidence: exclusionEvidenceSchema,
});

/** One item of GET /api/v1/exclusion-sets/{id}, with its id and current decision. */
export const exclusionItemViewSchema = exclusionItemSchema.extend({ id: z.string(), decision: decisionViewSchema });
export type ExclusionItemView<T extends Timestamp = string> = ViewOf<typeof exclusionItemViewSchema, T>;

/** Noise below the fleet bar (FLEETTUNE_MIN_HOSTS independent hosts): for those hosts only, never exported. */
export const hostScopedSuggestionSchema = exclusionItemSchema.extend({
  scope: z.literal('host'),
  hostIds: z.array(z.string()).describe('The hosts the suggestion is for (up to 5)'),
  whyNotFleet: z.string(),
});
export type HostScopedSuggestionView = z.infer<typeof hostScopedSuggestionSchema>;

/** GET /api/v1/exclusion-sets/latest and /{id}: one version of the recommended set. */
export const exclusionSetViewSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  createdAt: timestamp,
  params: z.unknown(),
  previousSetId: z.string().nullable(),
  items: z.array(exclusionItemViewSchema),
  hostScopedSuggestions: z
    .array(hostScopedSuggestionSchema)
    .describe('Noise below the fleet bar, for its hosts only: never items, so never pushed, pulled or exported'),
});
export type ExclusionSetView<T extends Timestamp = string> = ViewOf<typeof exclusionSetViewSchema, T>;

const diffEntrySchema = z.object({ type: z.string(), value: z.string(), user: z.string(), why: z.string() });

/** GET /api/v1/exclusion-sets/{id}/diff: what changed against the previous version, each with why. */
export const exclusionSetDiffViewSchema = z.object({
  setId: z.string(),
  version: z.number().int(),
  previousSetId: z.string().nullable(),
  previousVersion: z.number().int().nullable(),
  added: z.array(diffEntrySchema),
  removed: z.array(diffEntrySchema),
  changed: z.array(
    diffEntrySchema.extend({
      changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
      widened: z.array(z.string()).optional().describe('This version silences more than the previous one: an approval of the previous scope does not cover it'),
    }),
  ),
  unchanged: z.number().int(),
});
export type ExclusionSetDiffView = z.infer<typeof exclusionSetDiffViewSchema>;

/** POST /api/v1/exclusion-items/{id}/decision: the item and its current decision. */
export const decisionResultSchema = z.object({
  item: z.object({ id: z.string(), type: z.string(), value: z.string(), user: z.string() }),
  decision: decisionViewSchema,
});
export type DecisionResult<T extends Timestamp = string> = ViewOf<typeof decisionResultSchema, T>;

/** One row of GET /api/v1/exclusion-items/{id}/decisions, newest first. */
export const decisionHistoryRowSchema = z.object({
  decision: z.string(),
  comment: z.string(),
  snoozeUntil: timestamp.optional(),
  decidedBy: z.string(),
  decidedAt: timestamp,
  setVersion: z.number().int().optional(),
  itemId: z.string().optional(),
});
export type DecisionHistoryRow<T extends Timestamp = string> = ViewOf<typeof decisionHistoryRowSchema, T>;
