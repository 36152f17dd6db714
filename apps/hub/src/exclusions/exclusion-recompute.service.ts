import { Injectable, Logger } from '@nestjs/common';
import { FleetActivityRow, RecommendationConfig, resolveRecommendationConfig, recommendExclusions } from '@fleettune/rules';
import { PrismaService } from '../database/prisma.service';

export interface RecomputeResult {
  setId: string;
  version: number;
  items: number;
  rejected: number;
}

@Injectable()
export class ExclusionRecomputeService {
  private readonly logger = new Logger(ExclusionRecomputeService.name);
  readonly config: RecommendationConfig = resolveRecommendationConfig();

  constructor(private readonly prisma: PrismaService) {}

  /**
   * Builds a new exclusion set version from the fleet's counts. Counts are
   * binned in SQL into the rule's window (aligned to the epoch, as the rule
   * lib does), so what crosses the wire is one row per host, subject and window.
   */
  async recompute(jobId?: string): Promise<RecomputeResult> {
    const binSeconds = this.config.windowMinutes * 60;
    const [{ hosts }] = await this.prisma.$queryRaw<{ hosts: number }[]>`
      SELECT COUNT(DISTINCT host_id)::int AS hosts FROM ingest_batches`;
    const fileRows = await this.prisma.$queryRaw<{ host_id: string; path: string; bin: Date; count: bigint }[]>`
      SELECT host_id::text, path,
             to_timestamp(floor(extract(epoch FROM window_start) / ${binSeconds}) * ${binSeconds}) AS bin,
             SUM(count)::bigint AS count
      FROM file_counts GROUP BY 1, 2, 3`;
    const execRows = await this.prisma.$queryRaw<
      { host_id: string; path: string; parent_path: string; user: string; bin: Date; count: bigint }[]
    >`
      SELECT host_id::text, path, parent_path, "user",
             to_timestamp(floor(extract(epoch FROM window_start) / ${binSeconds}) * ${binSeconds}) AS bin,
             SUM(count)::bigint AS count
      FROM exec_counts GROUP BY 1, 2, 3, 4, 5`;
    const rows: FleetActivityRow[] = [
      ...fileRows.map((r) => ({
        kind: 'file' as const,
        hostId: r.host_id,
        path: r.path,
        windowStartMs: r.bin.getTime(),
        count: Number(r.count),
      })),
      ...execRows.map((r) => ({
        kind: 'exec' as const,
        hostId: r.host_id,
        path: r.path,
        parentPath: r.parent_path || undefined,
        user: r.user || undefined,
        windowStartMs: r.bin.getTime(),
        count: Number(r.count),
      })),
    ];
    const result = recommendExclusions(rows, { hostsReporting: hosts, config: this.config });
    const set = await this.prisma.exclusionSet.create({
      data: {
        jobId: jobId ?? null,
        params: { config: { ...this.config }, hostsReporting: hosts, rejected: result.rejected.slice(0, 200) } as object,
        items: {
          create: result.items.map((i) => ({
            type: i.type,
            value: i.value,
            isDirectory: i.isDirectory,
            globalScopeEligible: i.globalScopeEligible,
            user: i.user,
            applyToChildren: i.applyToChildren,
            reason: i.reason,
            risk: i.risk as object,
            evidence: i.evidence as object,
          })),
        },
      },
    });
    this.logger.log(`exclusion set v${set.version}: ${result.items.length} items from ${rows.length} rollup rows`);
    return { setId: set.id, version: set.version, items: result.items.length, rejected: result.rejected.length };
  }
}
