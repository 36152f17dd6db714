import { HOST_TAG_PATTERN, MAX_HOST_TAGS } from '@fleettune/api-contract';
import { z } from 'zod';
import { apiDate } from '../common/query-date';

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

// The tag rule is shared with the dashboard through the API contract.
export { HOST_TAG_PATTERN, MAX_HOST_TAGS };
/** GET /hosts without `limit`: one page (it used to return every host). */
export const HOSTS_DEFAULT_PAGE = 500;
export const hostTagSchema = z.string().regex(HOST_TAG_PATTERN, 'a tag is 1-63 of a-z 0-9 . _ : - starting with a letter or digit');

/** Body of PUT /api/v1/hosts/:id/tags: the host's complete tag list (replaces the old one; duplicates collapse). */
export const hostTagsBodySchema = z.object({ tags: z.array(hostTagSchema).max(MAX_HOST_TAGS) }).strict();
export type HostTagsBody = z.infer<typeof hostTagsBodySchema>;

/** Filters every noise query accepts. */
export const noiseFilterShape = {
  since: apiDate.optional(),
  until: apiDate.optional(),
  /** Only hosts whose `os` equals this (e.g. linux, darwin). */
  os: optionalText(64),
  /** Only counts from this agent source (e.g. linux-audit); exec/file kinds only. */
  source: optionalText(64),
  hostId: z.uuid().optional(),
  /** Only hosts carrying this tag (their tags now). */
  tag: hostTagSchema.optional(),
};

export const noiseQuerySchema = z.object({
  top: z.coerce.number().int().min(1).max(1000).default(20),
  ...noiseFilterShape,
});

export type NoiseQueryDto = z.infer<typeof noiseQuerySchema>;

export const NOISE_KINDS = ['exec', 'parent', 'file', 'directory', 'extension', 'key', 'syscall', 'initiator'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];
/** Kinds whose subject is a path: their noise rows also carry it as `path`. */
export const NOISE_KINDS_PATH_LIKE: ReadonlySet<NoiseKind> = new Set<NoiseKind>(['exec', 'parent', 'file', 'directory']);

export const hostNoiseQuerySchema = noiseQuerySchema.extend({ kind: z.enum(NOISE_KINDS).default('exec') }).omit({ hostId: true });

export const trendQuerySchema = z.object({
  kind: z.enum(['exec', 'file', 'parent', 'directory', 'extension', 'key', 'syscall', 'initiator']).default('exec'),
  /** A path (or key/syscall); without it only the fleet total is returned. */
  subject: z.string().min(1).max(4096).optional(),
  /** `auto`: minute, hour or day, whichever gives at most a few hundred points over the data's span. */
  bucket: z.enum(['auto', 'minute', 'hour', 'day']).default('auto'),
  ...noiseFilterShape,
});
export type TrendQuery = z.infer<typeof trendQuerySchema>;

export const hostsQuerySchema = z.object({
  /** A page, never the whole fleet by default: X-Total-Count says how many match. */
  limit: z.coerce.number().int().min(1).max(10_000).default(HOSTS_DEFAULT_PAGE),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  status: z.enum(['online', 'stale']).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  os: optionalText(64),
  tag: hostTagSchema.optional(),
});
export type HostsQuery = z.infer<typeof hostsQuerySchema>;
