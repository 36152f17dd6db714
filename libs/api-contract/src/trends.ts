import { z } from 'zod';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** One bucket of GET /api/v1/noise/trend. */
export const trendPointSchema = z.object({
  t: timestamp,
  total: z.number().describe('Fleet total of the kind in the bucket'),
  subject: z.number().optional().describe("The subject's count (only when a subject was asked for)"),
  subjectHosts: z.number().optional().describe('Hosts that reported the subject in the bucket'),
});
export type TrendPoint<T extends Timestamp = string> = ViewOf<typeof trendPointSchema, T>;

/** GET /api/v1/noise/trend: a kind's (and optionally one subject's) counts per bucket, oldest first. */
export const trendViewSchema = z.object({
  kind: z.string(),
  subject: z.string().nullable(),
  bucket: z.string(),
  points: z.array(trendPointSchema),
});
export type TrendView<T extends Timestamp = string> = ViewOf<typeof trendViewSchema, T>;
