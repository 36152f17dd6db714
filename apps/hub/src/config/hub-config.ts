import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const secret = z
  .string()
  .min(16, 'must be at least 16 characters (it guards the fleet)')
  .optional();

export const hubConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('postgresql://postgres@127.0.0.1:5432/fleettune')
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// URL'),
  GRPC_PORT: port.default(50051),
  HTTP_PORT: port.default(8080),
  BIND_HOST: z.string().default('127.0.0.1'),
  /** Bootstraps an admin API token (demos, tests, first login). */
  FLEETTUNE_ADMIN_TOKEN: secret,
  /** Bootstraps an enrollment secret agents can enroll with. */
  FLEETTUNE_ENROLL_SECRET: secret,
  /** Prefix of the BullMQ queues, so several hubs/tests can share one Redis. */
  FLEETTUNE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('fleettune'),
  /** How often the exclusion set is recomputed; 0 disables the schedule. */
  FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
  /** Largest CountBatch (bytes) the gRPC server accepts. */
  FLEETTUNE_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /** Most count rows one batch may carry. */
  FLEETTUNE_MAX_BATCH_ROWS: z.coerce.number().int().min(1).default(50_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;

export class HubConfigError extends Error {}

/** Validates the environment once at start; every problem is listed, not just the first. */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = hubConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new HubConfigError(`invalid hub configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export const HUB_CONFIG = Symbol('HUB_CONFIG');
