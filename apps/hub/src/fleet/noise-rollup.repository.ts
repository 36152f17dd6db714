import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { ReadReplicaService } from '../database/read-replica.service';
import { NOISE_BIN_SECONDS } from '../exclusions/rollup-apply-sql';
import { NoiseKind, TrendQuery } from './noise-query.dto';

/** Filters of a noise query (REST query strings after validation). */
export interface NoiseQuery {
  top: number;
  since?: Date;
  until?: Date;
  os?: string;
  source?: string;
  hostId?: string;
  tag?: string;
}

/** One subject of a top list, as the rollups sum it. */
export interface TopSubjectRow {
  subject: string;
  count: bigint;
  hosts: number;
  first_window_start: Date;
  last_window_end: Date;
}

/** One trend bucket, newest first; the subject columns only when a subject was asked for. */
export interface TrendRow {
  t: Date;
  total: bigint;
  subject?: bigint | null;
  subject_hosts?: number | null;
}

/** The drill-down's rows: hosts behind a subject and (execs) its parents. */
export interface SubjectDetailRows {
  hosts: Array<{ host_id: string; hostname: string; count: bigint }>;
  parents: Array<{ parent: string; count: bigint; hosts: number }>;
}

interface KindSql {
  table: Prisma.Sql;
  subject: Prisma.Sql;
  extraWhere: Prisma.Sql;
  hasSource: boolean;
}

/** A kind whose subject is one column of its count table. */
const columnKind = (table: string, column: string, hasSource: boolean): KindSql => ({
  table: Prisma.raw(table),
  subject: Prisma.raw(column),
  extraWhere: Prisma.empty,
  hasSource,
});

// The kinds over the raw count tables: minute-bucket trends read these; the rollup worker derives the
// same subjects (rollup-apply-sql.ts). Identifiers and expressions are constants, never user input.
const KINDS: Record<NoiseKind, KindSql> = {
  exec: columnKind('exec_counts', 'path', true),
  parent: { ...columnKind('exec_counts', 'parent_path', true), extraWhere: Prisma.sql`AND parent_path <> ''` },
  file: columnKind('file_counts', 'path', true),
  // "/a/b/c.log" -> "/a/b"; "/x" -> "/"
  directory: { ...columnKind('file_counts', 'path', true), subject: Prisma.sql`COALESCE(NULLIF(regexp_replace(path, '/[^/]*$', ''), ''), '/')` },
  extension: {
    ...columnKind('file_counts', 'path', true),
    subject: Prisma.sql`lower(substring(path from '\\.([^./]{1,32})$'))`,
    extraWhere: Prisma.sql`AND path ~ '[^/]\\.[^./]{1,32}$'`,
  },
  key: columnKind('audit_key_counts', 'key', false),
  syscall: columnKind('syscall_counts', 'syscall', false),
  initiator: columnKind('initiator_counts', 'initiator', false),
};

/** noise_subjects.key of (kind, subject, '') for bound values: the expression of SUBJECT_KEY_SQL (rollup-apply-sql.ts). */
function subjectKey(kind: string, subject: string): Prisma.Sql {
  return Prisma.sql`sha256(convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${subject}, 'UTF8') || '\\x00'::bytea)`;
}

/** noise_subjects.subject_key of (kind, subject): SUBJECT_ONLY_KEY_SQL. */
function subjectOnlyKey(kind: string, subject: string): Prisma.Sql {
  return Prisma.sql`sha256(convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${subject}, 'UTF8'))`;
}

/**
 * Which rows a query reads: hour bins [fromBin, toBin), OS, source, and
 * either the whole fleet (hostSql null: the fleet-wide rollups) or a host
 * set (hostId and/or tag: the per-host rollup of just those hosts).
 */
interface Scope {
  fromBin?: number;
  toBin?: number;
  os?: string;
  source?: string;
  /** SELECT of rollup_hosts.seq of the hosts in scope (hostId, tag and os by the hosts' current values), or null for the fleet. */
  hostSql: Prisma.Sql | null;
  /** The query can match nothing (a source filter on a kind without sources). */
  empty: boolean;
}

/**
 * Time filters select whole hour bins: `since` rounds down and `until` up to
 * the hour (a window counts when its start is in [since, until) so rounded).
 */
export function binRange(since?: Date, until?: Date): { fromBin?: number; toBin?: number } {
  return {
    ...(since ? { fromBin: Math.floor(since.getTime() / 1000 / NOISE_BIN_SECONDS) } : {}),
    ...(until ? { toBin: Math.ceil(until.getTime() / 1000 / NOISE_BIN_SECONDS) } : {}),
  };
}

/**
 * The dashboard's noise statements. Noise and hour/day trends read the hourly
 * rollups the rollup worker maintains (noise_fleet_hours, noise_host_hours,
 * noise_host_bits): no per-request scan of the raw count tables, whose size
 * grows with hosts x windows. Minute trends, finer than the rollups, read the
 * raw count tables. fleet-rollup.spec.ts holds every answer equal to the raw tables.
 */
@Injectable()
export class NoiseRollupRepository {
  // Every statement here is a dashboard read that may be a moment behind: on the read replica when there is one (issue 17).
  constructor(private readonly reads: ReadReplicaService) {}

  private scope(kind: NoiseKind, q: Omit<NoiseQuery, 'top'>): Scope {
    const k = KINDS[kind];
    const hostParts: Prisma.Sql[] = [];
    if (q.hostId) hostParts.push(Prisma.sql`AND h.id = ${q.hostId}::uuid`);
    if (q.tag) hostParts.push(Prisma.sql`AND ${q.tag} = ANY(h.tags)`);
    const perHost = hostParts.length > 0;
    // With a host set, the OS filter is the hosts' current OS (as the raw tables' queries do).
    if (perHost && q.os) hostParts.push(Prisma.sql`AND h.os = ${q.os}`);
    return {
      ...binRange(q.since, q.until),
      os: perHost ? undefined : q.os,
      source: q.source,
      hostSql: perHost ? Prisma.sql`SELECT r.seq FROM rollup_hosts r JOIN hosts h ON h.id = r.host_id WHERE true ${Prisma.join(hostParts, ' ')}` : null,
      empty: Boolean(q.source) && !k.hasSource,
    };
  }

  /** WHERE parts on a rollup table (alias-free columns bin, os, source). */
  private rollupWhere(s: Scope, withOs: boolean): Prisma.Sql {
    const parts: Prisma.Sql[] = [];
    if (s.fromBin !== undefined) parts.push(Prisma.sql`AND bin >= ${s.fromBin}::int`);
    if (s.toBin !== undefined) parts.push(Prisma.sql`AND bin < ${s.toBin}::int`);
    if (withOs && s.os) parts.push(Prisma.sql`AND os = ${s.os}`);
    if (s.source) parts.push(Prisma.sql`AND source = ${s.source}`);
    return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
  }

  private hostBitsCount(ids: Prisma.Sql, s: Scope, bucket?: Prisma.Sql): Prisma.Sql {
    // Hosts affected: popcount of the OR over bins (and OS/source rows) per 512-host chunk, summed over chunks.
    return Prisma.sql`
      SELECT subject_id, t, SUM(n)::int AS hosts FROM (
        SELECT subject_id, ${bucket ?? Prisma.sql`NULL::timestamp`} AS t, chunk, bit_count(bit_or(bits)) AS n
        FROM noise_host_bits WHERE subject_id IN (${ids}) ${this.rollupWhere(s, true)}
        GROUP BY 1, 2, 3
      ) c GROUP BY 1, 2`;
  }

  /**
   * Top subjects of a kind: fleet-wide from noise_fleet_hours (+ noise_host_bits
   * for hosts affected), for a host set (hostId / tag) from noise_host_hours.
   * Equal to aggregating the raw count tables over the same whole hours.
   */
  async topSubjects(kind: NoiseKind, q: NoiseQuery): Promise<TopSubjectRow[]> {
    const s = this.scope(kind, q);
    if (s.empty) return [];
    if (s.hostSql) {
      return this.reads.read(
        (db) => db.$queryRaw<TopSubjectRow[]>`
        WITH agg AS (
          SELECT subject_id, SUM(count)::bigint AS count, COUNT(DISTINCT host_seq)::int AS hosts, MIN(first_start) AS f, MAX(last_end) AS l
          FROM noise_host_hours
          WHERE host_seq IN (${s.hostSql}) AND kind = ${kind} ${this.rollupWhere(s, false)}
          GROUP BY subject_id
        )
        SELECT n.subject, a.count, a.hosts, a.f AS first_window_start, a.l AS last_window_end
        FROM agg a JOIN noise_subjects n ON n.id = a.subject_id
        ORDER BY a.count DESC, n.subject ASC
        LIMIT ${q.top}`,
      );
    }
    return this.reads.read(
      (db) => db.$queryRaw<TopSubjectRow[]>`
      WITH agg AS (
        SELECT subject_id, SUM(count)::bigint AS count, MIN(first_start) AS f, MAX(last_end) AS l
        FROM noise_fleet_hours WHERE kind = ${kind} ${this.rollupWhere(s, true)}
        GROUP BY subject_id
      ), top AS (
        SELECT a.subject_id, n.subject, a.count, a.f, a.l
        FROM agg a JOIN noise_subjects n ON n.id = a.subject_id
        ORDER BY a.count DESC, n.subject ASC
        LIMIT ${q.top}
      ), hb AS (${this.hostBitsCount(Prisma.sql`SELECT subject_id FROM top`, s)})
      SELECT t.subject, t.count, COALESCE(hb.hosts, 0)::int AS hosts, t.f AS first_window_start, t.l AS last_window_end
      FROM top t LEFT JOIN hb ON hb.subject_id = t.subject_id
      ORDER BY t.count DESC, t.subject ASC`,
    );
  }

  /** Drill-down: the hosts behind a subject (top 100), and for execs the parents that start it (top 50). */
  async subjectDetail(kind: NoiseKind, subject: string, q: Omit<NoiseQuery, 'top'>): Promise<SubjectDetailRows> {
    const s = this.scope(kind, q);
    if (s.empty) return { hosts: [], parents: [] };
    const hostParts: Prisma.Sql[] = [];
    if (q.hostId) hostParts.push(Prisma.sql`AND h.id = ${q.hostId}::uuid`);
    if (q.tag) hostParts.push(Prisma.sql`AND ${q.tag} = ANY(h.tags)`);
    if (q.os) hostParts.push(Prisma.sql`AND h.os = ${q.os}`);
    const hosts = await this.reads.read(
      (db) => db.$queryRaw<SubjectDetailRows['hosts']>`
      WITH c AS (
        SELECT host_seq, SUM(count)::bigint AS count FROM noise_host_hours
        WHERE subject_id = (SELECT id FROM noise_subjects WHERE key = ${subjectKey(kind, subject)}) ${this.rollupWhere(s, false)}
        GROUP BY host_seq
      )
      SELECT h.id::text AS host_id, h.hostname, c.count
      FROM c JOIN rollup_hosts r ON r.seq = c.host_seq JOIN hosts h ON h.id = r.host_id
      WHERE true ${hostParts.length ? Prisma.join(hostParts, ' ') : Prisma.empty}
      ORDER BY c.count DESC, h.hostname ASC
      LIMIT 100`,
    );
    let parents: SubjectDetailRows['parents'] = [];
    if (kind === 'exec') {
      const ids = Prisma.sql`SELECT id FROM noise_subjects WHERE subject_key = ${subjectOnlyKey('exec-parent', subject)} AND kind = 'exec-parent' AND subject = ${subject}`;
      parents = s.hostSql
        ? await this.reads.read(
            (db) => db.$queryRaw`
            SELECT n.detail AS parent, a.count, a.hosts FROM (
              SELECT subject_id, SUM(count)::bigint AS count, COUNT(DISTINCT host_seq)::int AS hosts FROM noise_host_hours
              WHERE subject_id IN (${ids}) AND host_seq IN (${s.hostSql}) ${this.rollupWhere(s, false)}
              GROUP BY subject_id
            ) a JOIN noise_subjects n ON n.id = a.subject_id
            ORDER BY a.count DESC, n.detail ASC LIMIT 50`,
          )
        : await this.reads.read(
            (db) => db.$queryRaw`
            WITH agg AS (
              SELECT subject_id, SUM(count)::bigint AS count FROM noise_fleet_hours
              WHERE subject_id IN (${ids}) ${this.rollupWhere(s, true)} GROUP BY subject_id
            ), hb AS (${this.hostBitsCount(Prisma.sql`SELECT subject_id FROM agg`, s)})
            SELECT n.detail AS parent, a.count, COALESCE(hb.hosts, 0)::int AS hosts
            FROM agg a JOIN noise_subjects n ON n.id = a.subject_id LEFT JOIN hb ON hb.subject_id = a.subject_id
            ORDER BY a.count DESC, n.detail ASC LIMIT 50`,
          );
    }
    return { hosts, parents };
  }

  /** First and last batch window start in [since, until) (ingest_batches is indexed on window_start). */
  async batchWindowSpan(since?: Date, until?: Date): Promise<{ min: Date | null; max: Date | null } | undefined> {
    const [span] = await this.reads.read(
      (db) => db.$queryRaw<{ min: Date | null; max: Date | null }[]>`
      SELECT MIN(window_start) AS min, MAX(window_start) AS max FROM ingest_batches
      WHERE window_start >= ${since ?? new Date(0)} AND window_start < ${until ?? new Date(8.64e15)}`,
    );
    return span;
  }

  /** Hour and day buckets from the hourly rollups, newest first (at most 2000). */
  async rollupTrend(q: TrendQuery, bucketName: 'hour' | 'day'): Promise<TrendRow[]> {
    const s = this.scope(q.kind, q);
    if (s.empty) return [];
    const bucket = Prisma.sql`date_trunc(${Prisma.raw(`'${bucketName}'`)}, timestamp '1970-01-01' + bin * interval '${Prisma.raw(String(NOISE_BIN_SECONDS))} seconds')`;
    const sid = q.subject ? Prisma.sql`(SELECT id FROM noise_subjects WHERE key = ${subjectKey(q.kind, q.subject)})` : Prisma.sql`NULL::int`;
    if (s.hostSql) {
      return this.reads.read(
        (db) => db.$queryRaw<TrendRow[]>`
        SELECT ${bucket} AS t, SUM(count)::bigint AS total,
               SUM(count) FILTER (WHERE subject_id = ${sid})::bigint AS subject,
               COUNT(DISTINCT host_seq) FILTER (WHERE subject_id = ${sid})::int AS subject_hosts
        FROM noise_host_hours
        WHERE host_seq IN (${s.hostSql}) AND kind = ${q.kind} ${this.rollupWhere(s, false)}
        GROUP BY 1 ORDER BY 1 DESC LIMIT 2000`,
      );
    }
    return this.reads.read(
      (db) => db.$queryRaw<TrendRow[]>`
      WITH tot AS (
        SELECT ${bucket} AS t, SUM(count)::bigint AS total, SUM(count) FILTER (WHERE subject_id = ${sid})::bigint AS subject
        FROM noise_fleet_hours WHERE kind = ${q.kind} ${this.rollupWhere(s, true)}
        GROUP BY 1 ORDER BY 1 DESC LIMIT 2000
      ), hb AS (${q.subject ? this.hostBitsCount(sid, s, bucket) : Prisma.sql`SELECT NULL::int AS subject_id, NULL::timestamp AS t, NULL::int AS hosts WHERE false`})
      SELECT tot.t, tot.total, tot.subject, COALESCE(hb.hosts, 0)::int AS subject_hosts
      FROM tot LEFT JOIN hb ON hb.t = tot.t ORDER BY tot.t DESC`,
    );
  }

  /** Minute buckets, newest first (at most 2000), from the raw count tables (exact since/until here). */
  rawMinuteTrend(q: TrendQuery): Promise<TrendRow[]> {
    const k = KINDS[q.kind];
    const parts: Prisma.Sql[] = [];
    if (q.since) parts.push(Prisma.sql`AND window_start >= ${q.since}`);
    if (q.until) parts.push(Prisma.sql`AND window_start < ${q.until}`);
    if (q.hostId) parts.push(Prisma.sql`AND host_id = ${q.hostId}::uuid`);
    if (q.os) parts.push(Prisma.sql`AND host_id IN (SELECT id FROM hosts WHERE os = ${q.os})`);
    if (q.tag) parts.push(Prisma.sql`AND host_id IN (SELECT id FROM hosts WHERE ${q.tag} = ANY(tags))`);
    if (q.source && k.hasSource) parts.push(Prisma.sql`AND source = ${q.source}`);
    if (q.source && !k.hasSource) parts.push(Prisma.sql`AND false`);
    const filters = parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
    const subjectCols = q.subject
      ? Prisma.sql`, SUM(count) FILTER (WHERE ${k.subject} = ${q.subject})::bigint AS subject,
                     COUNT(DISTINCT host_id) FILTER (WHERE ${k.subject} = ${q.subject})::int AS subject_hosts`
      : Prisma.empty;
    return this.reads.read(
      (db) => db.$queryRaw<TrendRow[]>`
      SELECT date_trunc('minute', window_start) AS t, SUM(count)::bigint AS total ${subjectCols}
      FROM ${k.table}
      WHERE true ${k.extraWhere} ${filters}
      GROUP BY 1 ORDER BY 1 DESC
      LIMIT 2000`,
    );
  }
}
