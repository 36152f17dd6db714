import { z } from 'zod';
import { apiDate } from '../common/query-date';

/** A product name (auditd, mdatp, ...) to narrow a cost query to. */
const productName = z.string().trim().min(1).max(64);

/** The period and product filter every cost report takes. */
const costFilterShape = {
  since: apiDate.optional(),
  until: apiDate.optional(),
  /** Only this product in the per-window rows. */
  product: productName.optional(),
};

export const hostCostQuerySchema = z.object({ ...costFilterShape, limit: z.coerce.number().int().min(1).max(5000).default(500) });
export type HostCostQuery = z.infer<typeof hostCostQuerySchema>;

export const fleetCostQuerySchema = z.object({ ...costFilterShape, top: z.coerce.number().int().min(1).max(1000).default(20) });
export type FleetCostQuery = z.infer<typeof fleetCostQuerySchema>;

const uuidList = z
  .string()
  .trim()
  .min(1)
  .transform((s) => [
    ...new Set(
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.uuid()).min(1).max(10_000));

export const beforeAfterQuerySchema = z
  .object({
    /** Comma-separated host ids; default: every host with data in both periods. */
    hostIds: uuidList.optional(),
    /** The moment of the change; default with pushId: when the push was delivered (or created). */
    at: apiDate.optional(),
    /** A policy push (apps/hub/src/policy-push): its time, and its items as the targeted noise. */
    pushId: z.uuid().optional(),
    /** Length of each of the two equal periods, minutes (fractions allowed). */
    windowMinutes: z.coerce
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(30),
    /** Only product CPU of this product (default: all watched products). */
    product: productName.optional(),
    /** Only events of this agent source (e.g. linux-audit). */
    source: z.string().trim().min(1).max(64).optional(),
    /** A host is "no reduction" when neither measure fell by at least this percent. */
    minReductionPercent: z.coerce.number().min(0).max(100).default(5),
  })
  .refine((q) => q.at || q.pushId, { message: 'pass at=<ISO time> or pushId' });
export type BeforeAfterQuery = z.infer<typeof beforeAfterQuerySchema>;
