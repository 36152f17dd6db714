import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import { ReadReplicaService } from '../database/read-replica.service';

const HOST_SELECT = {
  id: true,
  hostname: true,
  os: true,
  agentVersion: true,
  createdAt: true,
  lastSeenAt: true,
  tags: true,
  status: true,
  usersRedacted: true,
} as const;

/** A host row as the fleet views read it (`status` is the enrollment state). */
export type HostRow = Prisma.HostGetPayload<{ select: typeof HOST_SELECT }>;

/** Which hosts a page lists; `seen` splits on last_seen_at against `staleBefore`. */
export interface HostPageFilter {
  os?: string;
  tag?: string;
  /** Part of the hostname, any case. */
  q?: string;
  seen?: { status: 'online' | 'stale'; staleBefore: Date };
  offset: number;
  /** Absent: every host from `offset` on. */
  limit?: number;
}

/** The hosts table as the fleet pages read and tag it. */
@Injectable()
export class HostRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly reads: ReadReplicaService,
  ) {}

  /**
   * One page ordered by hostname (then id), and how many hosts match in all. The dashboard's hosts
   * page: on the read replica when there is one (issue 17); one host (find) stays on the primary.
   */
  async page(f: HostPageFilter): Promise<{ rows: HostRow[]; total: number }> {
    const staleBefore = f.seen?.staleBefore;
    const where: Prisma.HostWhereInput = {
      ...(f.os ? { os: f.os } : {}),
      ...(f.tag ? { tags: { has: f.tag } } : {}),
      ...(f.q ? { hostname: { contains: f.q, mode: 'insensitive' as const } } : {}),
      ...(f.seen?.status === 'online' ? { lastSeenAt: { gte: staleBefore } } : {}),
      ...(f.seen?.status === 'stale' ? { OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: staleBefore } }] } : {}),
    };
    return this.reads.read(async (db) => {
      const [rows, total] = await Promise.all([
        db.host.findMany({
          where,
          select: HOST_SELECT,
          orderBy: [{ hostname: 'asc' }, { id: 'asc' }],
          skip: f.offset,
          ...(f.limit ? { take: f.limit } : {}),
        }),
        db.host.count({ where }),
      ]);
      return { rows, total };
    });
  }

  find(id: string): Promise<HostRow | null> {
    return this.prisma.host.findUnique({ where: { id }, select: HOST_SELECT });
  }

  /** Replaces the host's tags; false when no such host. */
  async setTags(id: string, tags: string[]): Promise<boolean> {
    const updated = await this.prisma.host.updateMany({ where: { id }, data: { tags } });
    return updated.count > 0;
  }
}
