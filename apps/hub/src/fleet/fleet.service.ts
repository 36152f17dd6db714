import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface HostView {
  id: string;
  hostname: string;
  os: string;
  agentVersion: string | null;
  createdAt: Date;
  lastSeenAt: Date | null;
}

export interface NoiseRow {
  path: string;
  count: number;
  hosts: number;
  firstWindowStart: Date;
  lastWindowEnd: Date;
}

export interface NoiseQuery {
  top: number;
  since?: Date;
  until?: Date;
}

@Injectable()
export class FleetService {
  constructor(private readonly prisma: PrismaService) {}

  listHosts(): Promise<HostView[]> {
    return this.prisma.host.findMany({
      select: { id: true, hostname: true, os: true, agentVersion: true, createdAt: true, lastSeenAt: true },
      orderBy: { hostname: 'asc' },
    });
  }

  topExecs(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise(Prisma.sql`exec_counts`, q);
  }

  topFiles(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise(Prisma.sql`file_counts`, q);
  }

  private async topNoise(table: Prisma.Sql, q: NoiseQuery): Promise<NoiseRow[]> {
    const since = q.since ?? new Date(0);
    const until = q.until ?? new Date(8.64e15);
    const rows = await this.prisma.$queryRaw<
      { path: string; count: bigint; hosts: number; first_window_start: Date; last_window_end: Date }[]
    >`
      SELECT path, SUM(count)::bigint AS count, COUNT(DISTINCT host_id)::int AS hosts,
             MIN(window_start) AS first_window_start, MAX(window_end) AS last_window_end
      FROM ${table}
      WHERE window_start >= ${since} AND window_start < ${until}
      GROUP BY path
      ORDER BY count DESC, path ASC
      LIMIT ${q.top}`;
    return rows.map((r) => ({
      path: r.path,
      count: Number(r.count),
      hosts: r.hosts,
      firstWindowStart: r.first_window_start,
      lastWindowEnd: r.last_window_end,
    }));
  }
}
