import * as fs from 'node:fs';
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
  /** Sustained batches per second one agent may send before it is told to slow down. */
  FLEETTUNE_AGENT_BATCHES_PER_SECOND: z.coerce.number().positive().default(50),
  FLEETTUNE_AGENT_BATCH_BURST: z.coerce.number().int().min(1).default(200),
  /** REST requests per second one API token may make (all routes together); over it: 429 + Retry-After. */
  FLEETTUNE_API_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).default(100),
  /** REST requests per second one client IP may make without a valid token (probes, logins, guessing). */
  FLEETTUNE_API_ANONYMOUS_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).default(30),
  /** PostgreSQL connections in this hub's pool; replicas x pool must stay under max_connections (or use PgBouncer). */
  FLEETTUNE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Whole days of raw counts kept before today; older daily partitions are dropped. */
  FLEETTUNE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Daily partitions of the raw count tables created ahead of today. */
  FLEETTUNE_PARTITION_AHEAD_DAYS: z.coerce.number().int().min(0).max(366).default(7),
  /** How often partition maintenance and retention run (also once at start); 0 disables it. */
  FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** PEM certificate chain and key for the gRPC port; both or neither. */
  GRPC_TLS_CERT_FILE: z.string().optional(),
  GRPC_TLS_KEY_FILE: z.string().optional(),
  /** PEM CA that signs agent client certificates; set to require mTLS. */
  GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;

const checkedConfigSchema = hubConfigSchema.superRefine((c, ctx) => {
  if (Boolean(c.GRPC_TLS_CERT_FILE) !== Boolean(c.GRPC_TLS_KEY_FILE)) {
    ctx.addIssue({ code: 'custom', path: ['GRPC_TLS_KEY_FILE'], message: 'GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together' });
  }
  if (c.GRPC_TLS_CLIENT_CA_FILE && !c.GRPC_TLS_CERT_FILE) {
    ctx.addIssue({ code: 'custom', path: ['GRPC_TLS_CLIENT_CA_FILE'], message: 'mTLS needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE too' });
  }
  for (const key of ['GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE', 'GRPC_TLS_CLIENT_CA_FILE'] as const) {
    const f = c[key];
    if (f && !fs.existsSync(f)) ctx.addIssue({ code: 'custom', path: [key], message: `file ${f} does not exist` });
  }
});

export class HubConfigError extends Error {}

/** Validates the environment once at start; every problem is listed, not just the first. */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = checkedConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new HubConfigError(`invalid hub configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export const HUB_CONFIG = Symbol('HUB_CONFIG');
