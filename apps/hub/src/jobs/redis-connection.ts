import Redis, { Cluster, ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

/**
 * Where the hub's Redis is and how it fails over, parsed from REDIS_URL:
 *
 * - `redis://[user:pass@]host:port[/db]` (`rediss://` for TLS): one server.
 * - `redis+sentinel://[user:pass@]s1:26379,s2:26379,s3:26379/<master>[/db][?sentinelUsername=…&sentinelPassword=…]`:
 *   Redis Sentinel; ioredis asks the sentinels which server is the master and asks again after a failover.
 *   `user:pass` authenticate to the Redis servers; sentinels take their own credentials from the query.
 * - `redis+cluster://[user:pass@]n1:7000,n2:7001,…`: Redis Cluster; the nodes listed are seeds, the rest
 *   is discovered. BullMQ needs every key of a queue in one hash slot, so the queue prefix is hash-tagged
 *   (`{fleettune}`) there (https://docs.bullmq.io/bull/patterns/redis-cluster).
 *
 * `rediss+sentinel://` and `rediss+cluster://` use TLS to the Redis servers.
 */
export type RedisTopology =
  | { kind: 'standalone'; options: RedisOptions }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: ClusterNode[]; options: ClusterOptions };

export class RedisUrlError extends Error {}

const SCHEMES = ['redis:', 'rediss:', 'redis+sentinel:', 'rediss+sentinel:', 'redis+cluster:', 'rediss+cluster:'];

function hostPort(spec: string, defaultPort: number, url: string): { host: string; port: number } {
  // [v6]:port, host:port, host
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(spec);
  if (!m) throw new RedisUrlError(`"${spec}" is not host:port in ${redactRedisUrl(url)}`);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) throw new RedisUrlError(`port ${port} out of range in ${redactRedisUrl(url)}`);
  return { host: m[1] ?? m[2], port };
}

function dbNumber(s: string, url: string): number {
  if (!/^\d{1,2}$/.test(s)) throw new RedisUrlError(`database "${s}" is not a number 0-99 in ${redactRedisUrl(url)}`);
  return Number(s);
}

/**
 * Parses REDIS_URL (forms above). Throws RedisUrlError naming what is wrong,
 * with the password redacted: the message ends up in logs and config errors.
 */
export function parseRedisUrl(url: string): RedisTopology {
  const schemeEnd = url.indexOf('//');
  const scheme = schemeEnd > 0 ? url.slice(0, schemeEnd) : '';
  if (!SCHEMES.includes(scheme)) {
    throw new RedisUrlError(`must start with one of ${SCHEMES.map((s) => s + '//').join(', ')} (got ${redactRedisUrl(url)})`);
  }
  const tls = scheme.startsWith('rediss') ? {} : undefined;
  const rest = url.slice(schemeEnd + 2);
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const segments =
    slash < 0
      ? []
      : beforeQuery
          .slice(slash + 1)
          .split('/')
          .filter(Boolean);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hosts = (at < 0 ? authority : authority.slice(at + 1)).split(',').filter(Boolean);
  if (hosts.length === 0) throw new RedisUrlError(`no host in ${redactRedisUrl(url)}`);
  const colon = userinfo.indexOf(':');
  const username = userinfo ? decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon)) || undefined : undefined;
  const password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) || undefined : undefined;
  // BullMQ workers block on Redis; they must not give up on a command.
  const common: RedisOptions = { username, password, tls, maxRetriesPerRequest: null };

  if (scheme.endsWith('+sentinel:')) {
    const [name, db, ...extra] = segments;
    if (!name) throw new RedisUrlError(`the master's name is missing: redis+sentinel://host:26379,…/<master> (${redactRedisUrl(url)})`);
    if (extra.length) throw new RedisUrlError(`unexpected path after /${name}/${db} in ${redactRedisUrl(url)}`);
    return {
      kind: 'sentinel',
      options: {
        ...common,
        sentinels: hosts.map((h) => hostPort(h, 26379, url)),
        name: decodeURIComponent(name),
        db: db === undefined ? 0 : dbNumber(db, url),
        sentinelUsername: query.get('sentinelUsername') ?? undefined,
        sentinelPassword: query.get('sentinelPassword') ?? undefined,
        // Not `failoverDetector`: in ioredis 5.11 its sentinel subscriptions outlive quit(), which BullMQ closes
        // with, so a closed hub kept reconnecting to the sentinels. Without it a killed master's connection
        // drops and ioredis asks the sentinels again until they name the promoted replica.
      },
    };
  }
  if (scheme.endsWith('+cluster:')) {
    if (segments.length) throw new RedisUrlError(`Redis Cluster has only database 0; remove "/${segments.join('/')}" from ${redactRedisUrl(url)}`);
    return {
      kind: 'cluster',
      nodes: hosts.map((h) => hostPort(h, 6379, url)),
      options: { redisOptions: { username, password, tls }, enableOfflineQueue: true },
    };
  }
  if (hosts.length > 1) throw new RedisUrlError(`several hosts need redis+sentinel:// or redis+cluster:// (${redactRedisUrl(url)})`);
  if (segments.length > 1) throw new RedisUrlError(`unexpected path in ${redactRedisUrl(url)}`);
  return {
    kind: 'standalone',
    options: { ...common, ...hostPort(hosts[0], 6379, url), db: segments[0] === undefined ? 0 : dbNumber(segments[0], url) },
  };
}

/** The URL with its passwords replaced, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^/@]*?):[^/@]*@/, '//$1:***@').replace(/(sentinelPassword=)[^&]*/, '$1***');
}

/** The queue prefix BullMQ is given: hash-tagged on a Cluster, so each queue's keys share one slot. */
export function queuePrefixFor(topology: RedisTopology, prefix: string): string {
  return topology.kind === 'cluster' ? `{${prefix}}` : prefix;
}

/** A new client of the topology (health checks, preflight, WAIT); `extra` overrides the defaults. */
export function createRedisClient(topology: RedisTopology, extra: RedisOptions = {}): Redis | Cluster {
  if (topology.kind === 'cluster') {
    return new Cluster(topology.nodes, { ...topology.options, redisOptions: { ...topology.options.redisOptions, ...extra }, lazyConnect: extra.lazyConnect });
  }
  return new Redis({ ...topology.options, ...extra });
}

const sharedClusters = new Set<Cluster>();

/**
 * What BullMQ's `connection` takes: options for one server or a Sentinel group
 * (BullMQ opens its own connections from them), a Cluster client for a Cluster
 * (BullMQ duplicates it for its blocking connections). The Cluster client is
 * shared by the process and closed by closeSharedRedisConnections.
 */
export function bullConnection(topology: RedisTopology): RedisOptions | Cluster {
  if (topology.kind !== 'cluster') return topology.options;
  const cluster = new Cluster(topology.nodes, { ...topology.options, redisOptions: { ...topology.options.redisOptions, maxRetriesPerRequest: null } });
  sharedClusters.add(cluster);
  return cluster;
}

export async function closeSharedRedisConnections(): Promise<void> {
  const clusters = [...sharedClusters];
  sharedClusters.clear();
  await Promise.all(clusters.map((c) => c.quit().catch(() => c.disconnect())));
}
