import { z } from 'zod';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** One delivery attempt of a webhook push or an alert delivery (the signed-webhook sender's log). */
export const deliveryAttemptSchema = z.object({
  attempt: z.number().int(),
  at: timestamp,
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type DeliveryAttempt<T extends Timestamp = string> = ViewOf<typeof deliveryAttemptSchema, T>;

/**
 * Where a delivery the signed-webhook sender retries stands (a policy push, an alert notification):
 * its status, how many attempts so far and what the last one got. A shape to spread into a view's object.
 */
export const deliveryProgressShape = {
  status: z.string(),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
};
