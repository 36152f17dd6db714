import { z } from 'zod';
import { hostRefShape } from './host-ref';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** Median and range of a measure across hosts (`@fleettune/host-cost` Spread). */
export const spreadSchema = z.object({ n: z.number().int(), median: z.number().nullable(), min: z.number().nullable(), max: z.number().nullable() });
export type Spread = z.infer<typeof spreadSchema>;

/** A cost finding with what the vendors' guides advise (`@fleettune/host-cost` Finding). */
export const costFindingSchema = z.object({
  code: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string(),
  advice: z.string().describe("What the vendors' guides advise"),
});
export type CostFinding = z.infer<typeof costFindingSchema>;

/** One security product's cost over a window or a range. */
export const productCostViewSchema = z.object({
  name: z.string(),
  product: z.string(),
  cpuSeconds: z.number(),
  cpuPercent: z.number().describe('Percent of one CPU over the sampled time'),
  peakRssKb: z.number(),
  peakHwmKb: z.number(),
  processes: z.number(),
});
export type ProductCostView = z.infer<typeof productCostViewSchema>;

/** auditd's health in one cost window (null fields: not sampled). */
export const auditdHealthViewSchema = z.object({
  enabled: z.number().nullable(),
  pid: z.number().nullable(),
  lostDelta: z.number().nullable(),
  lostTotal: z.number().nullable(),
  backlogMax: z.number().nullable(),
  backlogLimit: z.number().nullable(),
  rateLimit: z.number().nullable(),
  backlogWaitDelta: z.number().nullable(),
  rulesTotal: z.number().nullable(),
  rulesByProduct: z.array(z.object({ name: z.string(), count: z.number() })).nullable(),
  logBytes: z.number().nullable(),
  logRotations: z.number().nullable(),
  logGrowthBytesPerHour: z.number().nullable(),
  logRotationsPerDay: z.number().nullable(),
  dispatch: z.string().nullable(),
  dispatchLossy: z.boolean().nullable(),
  consumers: z.array(z.string()).nullable(),
});
export type AuditdHealthView = z.infer<typeof auditdHealthViewSchema>;

export const costWindowViewSchema = z.object({
  windowStart: timestamp,
  windowEnd: timestamp,
  samples: z.number(),
  coveredMs: z.number(),
  products: z.array(productCostViewSchema),
  auditd: auditdHealthViewSchema.nullable(),
});
export type CostWindowView<T extends Timestamp = string> = ViewOf<typeof costWindowViewSchema, T>;

/** GET /api/v1/cost/hosts/{id}: one host's security-product cost over time. */
export const hostCostViewSchema = z.object({
  ...hostRefShape,
  since: timestamp.nullable(),
  until: timestamp.nullable(),
  totals: z.array(productCostViewSchema).describe('Per product over the whole range'),
  windows: z.array(costWindowViewSchema).describe('Oldest first (at most `limit`, the latest)'),
  findings: z.array(costFindingSchema).describe('Findings over the range (lost events, immutable, lossy dispatch, fast log growth, high CPU)'),
});
export type HostCostView<T extends Timestamp = string> = ViewOf<typeof hostCostViewSchema, T>;

/** GET /api/v1/cost/fleet: cost per product, CPU percent across hosts, hosts with lost audit events, top hosts. */
export const fleetCostViewSchema = z.object({
  since: timestamp.nullable(),
  until: timestamp.nullable(),
  product: z.string().nullable(),
  hostsReporting: z.number().int(),
  cpuPercentAcrossHosts: spreadSchema,
  hostsWithLostEvents: z.number().int(),
  products: z.array(z.object({ product: z.string(), name: z.string(), hosts: z.number(), cpuSeconds: z.number(), peakRssKb: z.number() })),
  topHosts: z.array(
    z.object({
      ...hostRefShape,
      cpuSeconds: z.number(),
      cpuPercent: z.number(),
      peakRssKb: z.number(),
      lostEvents: z.number().nullable(),
      logGrowthBytesPerHour: z.number().nullable(),
      windows: z.number().int(),
      lastWindowEnd: timestamp,
    }),
  ),
});
export type FleetCostView<T extends Timestamp = string> = ViewOf<typeof fleetCostViewSchema, T>;

const periodMeasuresSchema = z.object({
  eventsPerSecond: z.number().optional().describe("Agent events per second (batches' `events` over the period length)"),
  cpuPercent: z.number().optional().describe("Security products' CPU, percent of one core"),
  costCoverage: z.number().optional().describe('Fraction of the period covered by cost samples (0..1)'),
});
const period = z.object({ start: timestamp, end: timestamp });
const beforeAfterSpread = z.object({ before: spreadSchema, after: spreadSchema, changePercent: spreadSchema });

/** What confirms a push in force on a host: the console read back what the hub applied, or the host's agent applied it. */
export const pushConfirmationBasisSchema = z.enum(['console-read-back', 'agent-applied']);
export type PushConfirmationBasis = z.infer<typeof pushConfirmationBasisSchema>;

/** GET /api/v1/cost/before-after: equal periods before and after a change, per host and across hosts. */
export const beforeAfterViewSchema = z.object({
  hosts: z.array(
    z.object({
      hostId: z.string(),
      hostname: z.string().optional(),
      before: periodMeasuresSchema,
      after: periodMeasuresSchema,
      change: z.object({ eventsPerSecondPercent: z.number().nullable(), cpuPercentPercent: z.number().nullable() }),
      noReduction: z.boolean().describe('Neither the event rate nor the product CPU fell by at least the threshold'),
    }),
  ),
  summary: z.object({ eventsPerSecond: beforeAfterSpread, cpuPercent: beforeAfterSpread }),
  noReductionHosts: z.array(z.string()).describe('Hosts on which nothing fell by the threshold'),
  noReduction: z.boolean().describe('Across hosts (medians): the change reduced neither the event rate nor the product CPU'),
  minReductionPercent: z.number(),
  at: timestamp,
  windowMinutes: z.number(),
  before: period,
  after: period,
  push: z.object({ id: z.string(), setVersion: z.number().int(), status: z.string(), itemCount: z.number().int() }).nullable(),
  targeted: z.object({ execPaths: z.array(z.string()), execsPerSecond: z.object({ before: spreadSchema, after: spreadSchema }) }).nullable(),
  confirmation: z
    .object({
      confirmed: z.array(z.object({ hostId: z.string(), hostname: z.string().optional(), basis: pushConfirmationBasisSchema })),
      unconfirmed: z.array(z.object({ hostId: z.string(), hostname: z.string().optional(), why: z.string() })),
    })
    .nullable()
    .describe(
      'With pushId: the hosts compared are only those where the push is confirmed in force (a verified console read-back for the ' +
        "target's platform, or the host's agent reporting its auditd rules applied); the others are listed with why",
    ),
});
export type BeforeAfterView<T extends Timestamp = string> = ViewOf<typeof beforeAfterViewSchema, T>;
