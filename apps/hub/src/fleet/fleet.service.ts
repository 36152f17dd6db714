import { Injectable, NotFoundException } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import { HostsQuery, NoiseKind, TrendQuery } from './noise-query.dto';

/** A host is `online` when it reported within this many seconds, otherwise `stale`. */
export const HOST_STALE_AFTER_SECONDS = (() => {
  const v = Number(process.env.FLEETTUNE_HOST_STALE_SECONDS ?? '');
  return Number.isInteger(v) && v > 0 ? v : 900;
})();

export interface HostView {
  id: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  createdAt: Date;
  lastSeenAt: Date | null;
  status: 'online' | 'stale';
}

export interface NoiseRow {
  /** The path, parent, directory, extension, audit key or syscall. */
  subject: string;
  /** Same as subject for path-like kinds (kept for older clients). */
  path?: string;
  count: number;
  hosts: number;
  /** count / seconds between the first window start and the last window end. */
  ratePerSecond: number;
  firstWindowStart: Date;
  lastWindowEnd: Date;
}

export interface NoiseQuery {
  top: number;
  since?: Date;
  until?: Date;
  os?: string;
  source?: string;
  hostId?: string;
}

export interface TrendPoint {
  t: Date;
  /** Fleet total of the kind in the bucket. */
  total: number;
  /** The subject's count (only when a subject was asked for). */
  subject?: number;
  /** Hosts that reported the subject in the bucket. */
  subjectHosts?: number;
}

export interface TrendView {
  kind: string;
  subject: string | null;
  bucket: string;
  points: TrendPoint[];
}

interface KindSql {
  table: Prisma.Sql;
  subject: Prisma.Sql;
  extraWhere: Prisma.Sql;
  end: Prisma.Sql;
  hasSource: boolean;
  pathLike: boolean;
}

// Identifiers and expressions are constants, never user input.
const KINDS: Record<NoiseKind, KindSql> = {
  exec: { table: Prisma.sql`exec_counts`, subject: Prisma.sql`path`, extraWhere: Prisma.empty, end: Prisma.sql`window_end`, hasSource: true, pathLike: true },
  parent: {
    table: Prisma.sql`exec_counts`,
    subject: Prisma.sql`parent_path`,
    extraWhere: Prisma.sql`AND parent_path <> ''`,
    end: Prisma.sql`window_end`,
    hasSource: true,
    pathLike: true,
  },
  file: { table: Prisma.sql`file_counts`, subject: Prisma.sql`path`, extraWhere: Prisma.empty, end: Prisma.sql`window_end`, hasSource: true, pathLike: true },
  directory: {
    table: Prisma.sql`file_counts`,
    // "/a/b/c.log" -> "/a/b"; "/x" -> "/"
    subject: Prisma.sql`COALESCE(NULLIF(regexp_replace(path, '/[^/]*$', ''), ''), '/')`,
    extraWhere: Prisma.empty,
    end: Prisma.sql`window_end`,
    hasSource: true,
    pathLike: true,
  },
  extension: {
    table: Prisma.sql`file_counts`,
    subject: Prisma.sql`lower(substring(path from '\\.([^./]{1,32})$'))`,
    extraWhere: Prisma.sql`AND path ~ '[^/]\\.[^./]{1,32}$'`,
    end: Prisma.sql`window_end`,
    hasSource: true,
    pathLike: false,
  },
  key: { table: Prisma.sql`audit_key_counts`, subject: Prisma.sql`key`, extraWhere: Prisma.empty, end: Prisma.sql`window_start`, hasSource: false, pathLike: false },
  syscall: {
    table: Prisma.sql`syscall_counts`,
    subject: Prisma.sql`syscall`,
    extraWhere: Prisma.empty,
    end: Prisma.sql`window_start`,
    hasSource: false,
    pathLike: false,
  },
};

function hostStatus(lastSeenAt: Date | null, now = Date.now()): 'online' | 'stale' {
  return lastSeenAt && now - lastSeenAt.getTime() <= HOST_STALE_AFTER_SECONDS * 1000 ? 'online' : 'stale';
}

@Injectable()
export class FleetService {
  constructor(private readonly prisma: PrismaService) {}

  async listHosts(q: HostsQuery = { offset: 0 }): Promise<{ rows: HostView[]; total: number }> {
    const staleBefore = new Date(Date.now() - HOST_STALE_AFTER_SECONDS * 1000);
    const where: Prisma.HostWhereInput = {
      ...(q.os ? { os: q.os } : {}),
      ...(q.q ? { hostname: { contains: q.q, mode: 'insensitive' as const } } : {}),
      ...(q.status === 'online' ? { lastSeenAt: { gte: staleBefore } } : {}),
      ...(q.status === 'stale' ? { OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: staleBefore } }] } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.host.findMany({
        where,
        select: { id: true, hostname: true, os: true, agentVersion: true, createdAt: true, lastSeenAt: true },
        orderBy: [{ hostname: 'asc' }, { id: 'asc' }],
        skip: q.offset,
        ...(q.limit ? { take: q.limit } : {}),
      }),
      this.prisma.host.count({ where }),
    ]);
    const now = Date.now();
    return { rows: rows.map((h) => ({ ...h, status: hostStatus(h.lastSeenAt, now) })), total };
  }

  async host(id: string): Promise<HostView> {
    const h = await this.prisma.host.findUnique({
      where: { id },
      select: { id: true, hostname: true, os: true, agentVersion: true, createdAt: true, lastSeenAt: true },
    });
    if (!h) throw new NotFoundException(`host ${id} not found`);
    return { ...h, status: hostStatus(h.lastSeenAt) };
  }

  topExecs(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise('exec', q);
  }

  topFiles(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise('file', q);
  }

  private filters(k: KindSql, q: Omit<NoiseQuery, 'top'>): Prisma.Sql {
    const parts: Prisma.Sql[] = [];
    if (q.since) parts.push(Prisma.sql`AND window_start >= ${q.since}`);
    if (q.until) parts.push(Prisma.sql`AND window_start < ${q.until}`);
    if (q.hostId) parts.push(Prisma.sql`AND host_id = ${q.hostId}::uuid`);
    if (q.os) parts.push(Prisma.sql`AND host_id IN (SELECT id FROM hosts WHERE os = ${q.os})`);
    if (q.source && k.hasSource) parts.push(Prisma.sql`AND source = ${q.source}`);
    if (q.source && !k.hasSource) parts.push(Prisma.sql`AND false`);
    return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
  }

  async topNoise(kind: NoiseKind, q: NoiseQuery): Promise<NoiseRow[]> {
    const k = KINDS[kind];
    const rows = await this.prisma.$queryRaw<
      { subject: string; count: bigint; hosts: number; first_window_start: Date; last_window_end: Date }[]
    >`
      SELECT subject, SUM(c)::bigint AS count, COUNT(*)::int AS hosts,
             MIN(f) AS first_window_start, MAX(l) AS last_window_end
      FROM (
        -- Per subject and host first, then per subject: two hash aggregates, much cheaper than COUNT(DISTINCT host_id).
        SELECT ${k.subject} AS subject, host_id, SUM(count) AS c, MIN(window_start) AS f, MAX(${k.end}) AS l
        FROM ${k.table}
        WHERE true ${k.extraWhere} ${this.filters(k, q)}
        GROUP BY 1, 2
      ) per_host
      GROUP BY subject
      ORDER BY count DESC, subject ASC
      LIMIT ${q.top}`;
    return rows.map((r) => {
      const count = Number(r.count);
      const seconds = Math.max(1, (r.last_window_end.getTime() - r.first_window_start.getTime()) / 1000);
      return {
        subject: r.subject,
        ...(k.pathLike ? { path: r.subject } : {}),
        count,
        hosts: r.hosts,
        ratePerSecond: Math.round((count / seconds) * 1000) / 1000,
        firstWindowStart: r.first_window_start,
        lastWindowEnd: r.last_window_end,
      };
    });
  }

  /** Drill-down: the hosts behind a subject, and (for execs) the parents that start it. */
  async subjectDetail(
    kind: NoiseKind,
    subject: string,
    q: Omit<NoiseQuery, 'top'>,
  ): Promise<{ hosts: Array<{ hostId: string; hostname: string; count: number }>; parents: Array<{ parent: string; count: number; hosts: number }> }> {
    const k = KINDS[kind];
    const hosts = await this.prisma.$queryRaw<{ host_id: string; hostname: string; count: bigint }[]>`
      SELECT c.host_id, h.hostname, SUM(c.count)::bigint AS count
      FROM (SELECT host_id, count FROM ${k.table} WHERE ${k.subject} = ${subject} ${k.extraWhere} ${this.filters(k, q)}) c
      JOIN hosts h ON h.id = c.host_id
      GROUP BY c.host_id, h.hostname
      ORDER BY count DESC, h.hostname ASC
      LIMIT 100`;
    const parents =
      kind === 'exec'
        ? await this.prisma.$queryRaw<{ parent: string; count: bigint; hosts: number }[]>`
            SELECT parent_path AS parent, SUM(count)::bigint AS count, COUNT(DISTINCT host_id)::int AS hosts
            FROM exec_counts WHERE path = ${subject} ${this.filters(k, q)}
            GROUP BY parent_path ORDER BY count DESC LIMIT 50`
        : [];
    return {
      hosts: hosts.map((h) => ({ hostId: h.host_id, hostname: h.hostname, count: Number(h.count) })),
      parents: parents.map((p) => ({ parent: p.parent, count: Number(p.count), hosts: p.hosts })),
    };
  }

  /** Picks the bucket for `auto` from the span of the data (ingest_batches is indexed on window_start). */
  private async autoBucket(q: TrendQuery): Promise<'minute' | 'hour' | 'day'> {
    const [span] = await this.prisma.$queryRaw<{ min: Date | null; max: Date | null }[]>`
      SELECT MIN(window_start) AS min, MAX(window_start) AS max FROM ingest_batches
      WHERE window_start >= ${q.since ?? new Date(0)} AND window_start < ${q.until ?? new Date(8.64e15)}`;
    const seconds = span?.min && span.max ? (span.max.getTime() - span.min.getTime()) / 1000 : 0;
    return seconds <= 6 * 3600 ? 'minute' : seconds <= 21 * 86_400 ? 'hour' : 'day';
  }

  async trend(q: TrendQuery): Promise<TrendView> {
    const k = KINDS[q.kind];
    const chosen = q.bucket === 'auto' ? await this.autoBucket(q) : q.bucket;
    const bucket = Prisma.raw(`'${chosen}'`);
    const subjectCols = q.subject
      ? Prisma.sql`, SUM(count) FILTER (WHERE ${k.subject} = ${q.subject})::bigint AS subject,
                     COUNT(DISTINCT host_id) FILTER (WHERE ${k.subject} = ${q.subject})::int AS subject_hosts`
      : Prisma.empty;
    const rows = await this.prisma.$queryRaw<{ t: Date; total: bigint; subject?: bigint | null; subject_hosts?: number | null }[]>`
      SELECT date_trunc(${bucket}, window_start) AS t, SUM(count)::bigint AS total ${subjectCols}
      FROM ${k.table}
      WHERE true ${k.extraWhere} ${this.filters(k, q)}
      GROUP BY 1 ORDER BY 1 DESC
      LIMIT 2000`;
    rows.reverse();
    return {
      kind: q.kind,
      subject: q.subject ?? null,
      bucket: chosen,
      points: rows.map((r) => ({
        t: r.t,
        total: Number(r.total),
        ...(q.subject ? { subject: Number(r.subject ?? 0), subjectHosts: r.subject_hosts ?? 0 } : {}),
      })),
    };
  }
}
