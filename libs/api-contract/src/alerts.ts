import { z } from 'zod';
import { deliveryAttemptSchema, deliveryProgressShape } from './webhook-delivery';
import { Timestamp, ViewOf, timestamp } from './timestamp';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'muted'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The exclusion an alert suggests; `allowed` is false when the safety policy refuses it (the alert still informs). */
export const suggestedExclusionSchema = z.object({
  type: z.enum(['process', 'path']),
  value: z.string(),
  isDirectory: z.boolean(),
  applyToChildren: z.boolean(),
  allowed: z.boolean(),
  why: z.string().optional(),
});
export type SuggestedExclusion = z.infer<typeof suggestedExclusionSchema>;

/** One row of GET /api/v1/alerts: a newly noisy subject. */
export const alertViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.string(),
  status: z.string(),
  hosts: z.number().int().describe('Hosts over threshold for this subject'),
  hostsReporting: z.number().int(),
  sampleHosts: z.array(z.string()).describe('Up to 5 of their hostnames'),
  ratePerSecond: z.number(),
  peakWindowCount: z.number(),
  baselinePeakWindowCount: z.number(),
  threshold: z.number(),
  reason: z.string(),
  suggestedExclusion: suggestedExclusionSchema,
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  createdAt: timestamp,
  updatedAt: timestamp,
  acknowledgedAt: timestamp.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: timestamp.nullable(),
  resolvedBy: z.string().nullable(),
  mutedAt: timestamp.nullable(),
  mutedBy: z.string().nullable(),
  note: z.string().nullable(),
  links: z.object({ dashboard: z.string() }),
});
export type AlertView<T extends Timestamp = string> = ViewOf<typeof alertViewSchema, T>;

/** One notification of an alert event to a channel, with its attempt log. */
export const alertDeliveryViewSchema = z.object({
  id: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  event: z.string(),
  ...deliveryProgressShape,
  createdAt: timestamp,
  deliveredAt: timestamp.nullable(),
  log: z.array(deliveryAttemptSchema),
});
export type AlertDeliveryView<T extends Timestamp = string> = ViewOf<typeof alertDeliveryViewSchema, T>;

/** GET /api/v1/alerts/{id}: the alert with its deliveries. */
export const alertDetailViewSchema = alertViewSchema.extend({ deliveries: z.array(alertDeliveryViewSchema) });
export type AlertDetailView<T extends Timestamp = string> = ViewOf<typeof alertDetailViewSchema, T>;

/** One row of GET /api/v1/alert-channels. */
export const alertChannelViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  url: z.string().describe('Webhook URLs are shown in full; Slack URLs carry their token in the path, so only the origin is shown'),
  enabled: z.boolean(),
  hasSecret: z.boolean(),
  createdAt: timestamp,
  createdBy: z.string(),
  secret: z.string().optional().describe('Webhooks: the signing secret, only in the answer that created the channel'),
});
export type AlertChannelView<T extends Timestamp = string> = ViewOf<typeof alertChannelViewSchema, T>;

/** POST /api/v1/alerts/{id}/redeliver. */
export const redeliveryResultSchema = z.object({ requeued: z.number().int().describe('Deliveries that had failed for good, queued again') });
