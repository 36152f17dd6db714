import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** A decision row as the coverage check reads it (item columns null when the item row is gone). */
export interface ApprovedExclusionRow {
  type: string;
  value: string;
  decision: string;
  is_directory: boolean | null;
  apply_to_children: boolean | null;
}

/** What an alert evaluation reads besides the noise: ingest time ranges, host names, approved exclusions. */
@Injectable()
export class AlertEvaluationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** First window start and last window end of every ingested batch, and how many hosts sent them. */
  async ingestSpan(): Promise<{ first: Date | null; last: Date | null; hosts: number }> {
    const [range] = await this.prisma.$queryRaw<{ first: Date | null; last: Date | null; hosts: number }[]>`
      SELECT MIN(window_start) AS first, MAX(window_end) AS last, COUNT(DISTINCT host_id)::int AS hosts FROM ingest_batches`;
    return range;
  }

  /** Batches of the baseline [baselineStart, recentStart), and hosts reporting in [recentStart, now). */
  async batchCounts(baselineStart: Date, recentStart: Date, now: Date): Promise<{ baselineBatches: number; hostsReporting: number }> {
    const [counts] = await this.prisma.$queryRaw<{ baselineBatches: number; hostsReporting: number }[]>`
      SELECT COUNT(*) FILTER (WHERE window_start < ${recentStart})::int AS "baselineBatches",
             COUNT(DISTINCT host_id) FILTER (WHERE window_start >= ${recentStart})::int AS "hostsReporting"
      FROM ingest_batches WHERE window_start >= ${baselineStart} AND window_start < ${now}`;
    return counts;
  }

  async hostnames(hostIds: string[]): Promise<string[]> {
    const hosts = await this.prisma.host.findMany({ where: { id: { in: hostIds } }, select: { hostname: true } });
    return hosts.map((h) => h.hostname);
  }

  /**
   * The current decision of an exclusion is the newest row of
   * exclusion_decisions for its (type, value, user); its item row (when still
   * there) says whether a path names a directory tree. Raw SQL, so a change to
   * the review model fails here (the caller logs it) rather than silently.
   */
  approvedExclusions(): Promise<ApprovedExclusionRow[]> {
    return this.prisma.$queryRaw<ApprovedExclusionRow[]>`
      SELECT type, value, decision, is_directory, apply_to_children FROM (
        SELECT DISTINCT ON (d.type, d.value, d."user") d.type, d.value, d.decision, i.is_directory, i.apply_to_children
        FROM exclusion_decisions d LEFT JOIN exclusion_items i ON i.id = d.item_id
        ORDER BY d.type, d.value, d."user", d.decided_at DESC, d.id DESC
      ) latest WHERE decision = 'approved'`;
  }
}
