import * as fs from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { HUB_ROLES, HubRole, parseHubRoles } from './hub-roles';
import { parseRedisUrl } from '../jobs/redis-connection';

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`. */
function isCidrOrIp(v: string): boolean {
  const [addr, bits, more] = v.split('/');
  const family = isIP(addr);
  if (!family || more !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const port = z.coerce.number().int().min(0).max(65535);
/** A "0"/"1" switch, off unless set to "1". */
const offByDefault = z
  .enum(['0', '1'])
  .default('0')
  .transform((v) => v === '1');
const secret = z.string().min(16, 'must be at least 16 characters (it guards the fleet)').optional();

export const hubConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('postgresql://postgres@127.0.0.1:5432/fleettune')
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .superRefine((v, ctx) => {
      // redis://, rediss://, redis+sentinel://…/<master>, redis+cluster://… (jobs/redis-connection.ts).
      try {
        parseRedisUrl(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
  /**
   * After queuing a job, wait until this many Redis replicas hold it (Redis WAIT) before answering, so a
   * master failover right after cannot lose a job the hub reported as queued. Default: 1 with Sentinel,
   * 0 otherwise; never more than the replicas connected at that moment. Not applied on a Cluster.
   */
  FLEETTUNE_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).optional(),
  /** How long (ms) that wait may take before the hub logs a warning and goes on. */
  FLEETTUNE_REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
  /**
   * What this process runs: `api` (REST + dashboard), `ingest` (agents' gRPC), `worker` (jobs, rollups,
   * partitions, schedules); comma-separated, default all three. See apps/hub/src/config/hub-roles.ts.
   */
  FLEETTUNE_ROLES: z
    .string()
    .default(HUB_ROLES.join(','))
    .transform((v, ctx): HubRole[] => {
      const parsed = parseHubRoles(v);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return [];
      }
      return parsed.roles;
    }),
  GRPC_PORT: port.default(50051),
  HTTP_PORT: port.default(8080),
  BIND_HOST: z.string().default('127.0.0.1'),
  /** Bootstraps an admin API token (demos, tests, first login). */
  FLEETTUNE_ADMIN_TOKEN: secret,
  /** Bootstraps an enrollment secret agents can enroll with. */
  FLEETTUNE_ENROLL_SECRET: secret,
  /**
   * The bootstrap enrollment secret (FLEETTUNE_ENROLL_SECRET) expires this many hours after it was
   * first stored (0 = never) and enrolls at most FLEETTUNE_ENROLL_SECRET_MAX_USES hosts (0 = no limit).
   * Re-applied at every start, so changing them takes effect; for more hosts create secrets over REST.
   */
  FLEETTUNE_ENROLL_SECRET_TTL_HOURS: z.coerce.number().min(0).default(24),
  FLEETTUNE_ENROLL_SECRET_MAX_USES: z.coerce.number().int().min(0).default(1000),
  /** Enroll calls (accepted or not) one peer address may make per minute, and the whole hub; past them RESOURCE_EXHAUSTED. */
  FLEETTUNE_ENROLL_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  FLEETTUNE_ENROLL_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** "1": new hosts are pending until an admin approves them (POST /api/v1/hosts/:id/approve); pending hosts cannot upload. */
  FLEETTUNE_ENROLL_REQUIRE_APPROVAL: offByDefault,
  /** Hours an admin-issued re-key token (POST /api/v1/hosts/:id/rekey) stays valid. */
  FLEETTUNE_REKEY_TOKEN_TTL_HOURS: z.coerce.number().positive().default(24),
  /**
   * "1" lets the gRPC port listen without TLS on a non-loopback BIND_HOST (tokens and the enrollment
   * secret then cross the network in clear text; logged loudly at start). Without it the hub refuses.
   */
  FLEETTUNE_ALLOW_PLAINTEXT_GRPC: offByDefault,
  /** Prefix of the BullMQ queues, so several hubs/tests can share one Redis. */
  FLEETTUNE_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('fleettune'),
  /** How often the exclusion set is recomputed; 0 disables the schedule. */
  FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
  /** Largest CountBatch (bytes) the gRPC server accepts. */
  FLEETTUNE_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
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
  /**
   * Ingest's own PostgreSQL pool for batch transactions, apart from FLEETTUNE_DB_POOL_SIZE (REST
   * authentication, dashboard reads, jobs): a flood of batches waits for its own connections only.
   */
  FLEETTUNE_INGEST_DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Issue 17: a direct PostgreSQL connection (not through PgBouncer in transaction mode) for the work
   * that needs one session across transactions: partition maintenance holds a session advisory lock
   * over many short transactions. Unset: DATABASE_URL (right when DATABASE_URL is PostgreSQL itself).
   */
  DATABASE_DIRECT_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL')
    .optional(),
  /**
   * Issue 17: a streaming replica for the dashboard's heavy read views (noise, trends, the hosts
   * page, cost); reads that must see their own writes stay on DATABASE_URL (docs/scaling.md lists
   * which go where). Unset: every read on DATABASE_URL.
   */
  DATABASE_READ_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL')
    .optional(),
  /** PostgreSQL connections of this hub's pool on DATABASE_READ_URL. */
  FLEETTUNE_DB_READ_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * A replica further behind than this (its replay lag, checked at most once a second while reads come)
   * is read around on the primary until it catches up; 0: never read around for lag.
   */
  FLEETTUNE_DB_READ_MAX_LAG_SECONDS: z.coerce.number().min(0).default(30),
  /** UploadBatches streams one agent may hold open at once on one hub replica (the agent uses one); more: RESOURCE_EXHAUSTED. */
  FLEETTUNE_AGENT_MAX_STREAMS: z.coerce.number().int().min(1).default(2),
  /** Count rows one agent may commit per UTC day (by receipt); past it RESOURCE_EXHAUSTED until the next day (the agent keeps them spooled). */
  FLEETTUNE_AGENT_ROWS_PER_DAY: z.coerce.number().int().min(1).default(20_000_000),
  /** Events one agent may report per UTC day: the larger of a batch's event count and its rows' counts (per table). */
  FLEETTUNE_AGENT_EVENTS_PER_DAY: z.coerce.number().int().min(1).default(100_000_000_000),
  /** A batch whose window starts more than this far after the hub's clock is refused (FAILED_PRECONDITION: the agent retries later). */
  FLEETTUNE_MAX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Whole days of raw counts kept before today; older daily partitions are dropped. */
  FLEETTUNE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Daily partitions of the raw count tables created ahead of today. */
  FLEETTUNE_PARTITION_AHEAD_DAYS: z.coerce.number().int().min(0).max(366).default(7),
  /** How often partition maintenance and retention run (also once at start); 0 disables it. */
  FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(3600),
  /**
   * Fewest independent hosts over threshold for a fleet-wide recommendation. Below it a subject is at
   * most a host-scoped suggestion: one compromised host must not write fleet policy.
   */
  FLEETTUNE_MIN_HOSTS: z.coerce.number().int().min(1).default(2),
  /** Smallest share (0..1) of reporting hosts over threshold for a fleet-wide recommendation. */
  FLEETTUNE_MIN_PREVALENCE: z.coerce.number().min(0).max(1).default(0),
  /**
   * Hosts enrolled from one enrollment secret within this many seconds of each other (one burst) count
   * once toward FLEETTUNE_MIN_HOSTS; 0 turns burst grouping off.
   */
  FLEETTUNE_ENROLL_BURST_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Hosts that enrolled from one peer address count once toward FLEETTUNE_MIN_HOSTS ("false" turns it off, e.g. behind NAT). */
  FLEETTUNE_COUNT_SHARED_PEER_ONCE: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** PEM certificate chain and key for the gRPC port; both or neither. */
  GRPC_TLS_CERT_FILE: z.string().optional(),
  GRPC_TLS_KEY_FILE: z.string().optional(),
  /** PEM CA that signs agent client certificates; set to require mTLS. */
  GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  // ---- alerts (FLEETTUNE_ALERTS_*) ----
  /** How often detection runs; 0 turns the schedule off (POST /api/v1/alerts/evaluate still works). */
  FLEETTUNE_ALERTS_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /** No alert fires until the fleet has this much history (from its first ingested batch); 0 turns it off. */
  FLEETTUNE_ALERTS_LEARNING_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 86_400),
  /** How far back before the recent period a subject's baseline reaches. */
  FLEETTUNE_ALERTS_BASELINE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 86_400),
  /** The "now" period judged against the baseline (whole evaluation windows, rounded up). */
  FLEETTUNE_ALERTS_RECENT_SECONDS: z.coerce.number().int().min(60).default(3_600),
  /** A subject already noisy in its baseline alerts again when its peak rate grows by this factor. */
  FLEETTUNE_ALERTS_JUMP_FACTOR: z.coerce.number().gt(1).default(10),
  /** After an alert is resolved, the same subject does not alert again for this long. */
  FLEETTUNE_ALERTS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(86_400),
  /** Most alerts one evaluation creates or updates (each notifies every channel); the rest wait for the next run, counted and logged. */
  FLEETTUNE_ALERTS_MAX_PER_RUN: z.coerce.number().int().min(1).default(100),
  /** Delivery tries per (alert, channel), exponential backoff from the base delay up to the max delay. */
  /** With the defaults: 10 s, 20 s, ... doubling up to 1 h between tries, about two days of tries in all. */
  FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(60),
  FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: z.coerce.number().int().min(1).default(10_000),
  FLEETTUNE_ALERTS_DELIVERY_MAX_BACKOFF_MS: z.coerce.number().int().min(1).default(3_600_000),
  FLEETTUNE_ALERTS_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Base URL of the dashboard for alert links (`<base>/#/alerts/<id>`); relative links when empty. */
  FLEETTUNE_PUBLIC_URL: z
    .string()
    .default('')
    .refine((v) => v === '' || /^https?:\/\//.test(v), 'must be an http(s):// URL')
    .transform((v) => v.replace(/\/+$/, '')),
  // ---- policy push (FLEETTUNE_POLICY_PUSH_*) ----
  /** Delivery attempts of one webhook push (first try included). */
  FLEETTUNE_POLICY_PUSH_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; BullMQ doubles it per attempt (exponential backoff). */
  FLEETTUNE_POLICY_PUSH_BACKOFF_MS: z.coerce.number().int().min(1).default(5_000),
  /**
   * Every so many seconds a worker queues again the pushes (webhook, git, console) still waiting for
   * delivery whose job Redis no longer has (restarted without persistence, failed over); 0: never.
   */
  FLEETTUNE_POLICY_PUSH_RECOVER_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Every so many seconds a worker reads each enabled console target and records what was changed there by hand; 0: never. */
  FLEETTUNE_POLICY_DRIFT_CHECK_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** Timeout of one webhook request. */
  FLEETTUNE_POLICY_PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Most time one git push (ls-remote, fetch, commit, push together) may take; the git processes are killed past it. */
  FLEETTUNE_POLICY_GIT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  /**
   * "1" lets git policy targets use file:// remotes (a repository on the hub's own disk: tests, a
   * mirror on a shared mount). Off by default: a file:// target reads and writes the hub's file system.
   */
  FLEETTUNE_POLICY_GIT_ALLOW_LOCAL: offByDefault,
  /** PEM CA bundle git trusts for https:// policy remotes (an internal git server with a private CA); empty: the system's. */
  FLEETTUNE_POLICY_GIT_CA_FILE: z.string().optional(),
  // ---- outbound calls (webhooks, Slack) ----
  /**
   * Addresses outbound calls may reach although they are loopback, private, link-local or otherwise
   * not public: comma-separated IPs or CIDRs (e.g. `10.20.0.0/16,fd00::/8`). Empty: public addresses only.
   */
  FLEETTUNE_OUTBOUND_ALLOW_CIDRS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const out: string[] = [];
      for (const raw of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!isCidrOrIp(raw)) ctx.addIssue({ code: 'custom', message: `${raw} is not an IP address or CIDR` });
        else out.push(raw);
      }
      return out;
    }),
  /** Most bytes of a receiver's answer the hub reads; the rest is dropped with the connection. */
  FLEETTUNE_OUTBOUND_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  // ---- secrets ----
  /**
   * 32 random bytes, base64: the AES-256-GCM key of every credential stored in the database (webhook
   * secrets, alert channel URLs). `npm run hub` refuses to start without it; keep it outside the database.
   */
  FLEETTUNE_SECRETS_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64 (openssl rand -base64 32)'),
  /** Server-side pepper of API token and enrollment secret digests; derived from FLEETTUNE_SECRETS_KEY when unset. */
  FLEETTUNE_TOKEN_PEPPER: z.string().min(16, 'must be at least 16 characters').optional(),
  // ---- dashboard ----
  /** A host is `online` when it reported within this many seconds, otherwise `stale`. */
  FLEETTUNE_HOST_STALE_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Where the built dashboard is; default apps/web/dist beside the hub. */
  FLEETTUNE_WEB_DIR: z.string().optional(),
  // ---- rollup worker ----
  /** How often the rollup worker looks for pending batches (ms); 0 turns its loop off (readers still catch up on demand). */
  FLEETTUNE_ROLLUP_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  /**
   * Poll interval (ms) right after a round that applied batches (more are probably on their way).
   * Not zero: a step's cost is mostly per hourly row it updates, whatever the number of batches
   * behind it, so letting batches gather for a moment makes each step carry more of them.
   */
  FLEETTUNE_ROLLUP_BUSY_INTERVAL_MS: z.coerce.number().int().min(1).default(200),
  /** Most batches one rollup transaction applies. */
  FLEETTUNE_ROLLUP_BATCHES_PER_STEP: z.coerce.number().int().min(1).default(2000),
  /**
   * Issue 18: refuse batches from agents not in privacy mode (--redact-users)
   * with FAILED_PRECONDITION; they stay spooled on the host, nothing is stored.
   */
  FLEETTUNE_REQUIRE_REDACTED_USERS: z
    .enum(['0', '1', 'true', 'false'], { message: 'must be 1, 0, true or false' })
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type HubConfig = z.infer<typeof hubConfigSchema>;

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackBind(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const checkedConfigSchema = hubConfigSchema.superRefine((c, ctx) => {
  if (Boolean(c.GRPC_TLS_CERT_FILE) !== Boolean(c.GRPC_TLS_KEY_FILE)) {
    ctx.addIssue({ code: 'custom', path: ['GRPC_TLS_KEY_FILE'], message: 'GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together' });
  }
  if (c.GRPC_TLS_CLIENT_CA_FILE && !c.GRPC_TLS_CERT_FILE) {
    ctx.addIssue({ code: 'custom', path: ['GRPC_TLS_CLIENT_CA_FILE'], message: 'mTLS needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE too' });
  }
  // Only a process that binds gRPC (the ingest role) can leak agent credentials on it.
  if (c.FLEETTUNE_ROLES.includes('ingest') && !c.GRPC_TLS_CERT_FILE && !isLoopbackBind(c.BIND_HOST) && !c.FLEETTUNE_ALLOW_PLAINTEXT_GRPC) {
    ctx.addIssue({
      code: 'custom',
      path: ['BIND_HOST'],
      message:
        `gRPC would listen on ${c.BIND_HOST} without TLS (agent tokens and the enrollment secret in clear text): ` +
        'set GRPC_TLS_CERT_FILE/GRPC_TLS_KEY_FILE, bind to 127.0.0.1 behind a TLS proxy, or set FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1 to accept the risk',
    });
  }
  for (const key of ['GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE', 'GRPC_TLS_CLIENT_CA_FILE', 'FLEETTUNE_POLICY_GIT_CA_FILE'] as const) {
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

/**
 * The settings the admin CLI (`cli.js token|enroll-secret …`) reads: the
 * database, and the token pepper when the CLI runs with the hub's
 * environment. Read here so no other module reads the environment.
 */
export interface HubCliConfig {
  DATABASE_URL: string;
  FLEETTUNE_TOKEN_PEPPER?: string;
  FLEETTUNE_SECRETS_KEY?: string;
}

export function loadHubCliConfig(env: NodeJS.ProcessEnv = process.env): HubCliConfig {
  return {
    DATABASE_URL: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/fleettune',
    FLEETTUNE_TOKEN_PEPPER: env.FLEETTUNE_TOKEN_PEPPER || undefined,
    FLEETTUNE_SECRETS_KEY: env.FLEETTUNE_SECRETS_KEY || undefined,
  };
}
