import { Inject, Injectable, Logger } from '@nestjs/common';
import { RecommendationConfig, diffExclusionSets, recommendExclusions, resolveRecommendationConfig } from '@fleettune/rules';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PrismaService } from '../database/prisma.service';
import { ROLLUP_BIN_SECONDS } from './activity-rollup.service';
import { readRollup } from './rollup-reader';

export interface RecomputeResult {
  setId: string;
  version: number;
  items: number;
  rejected: number;
  added: number;
  removed: number;
  changed: number;
  rollupCells: number;
  /** Milliseconds: the rollup query alone, decoding, the engine, storing, and all of it. */
  timings: { rollupQueryMs: number; decodeMs: number; engineMs: number; storeMs: number; totalMs: number; hubCpuMs: number; engineCpuMs: number };
}

/** How far back (data time, from the newest rollup bin) a recompute looks: 7 days. */
export const LOOKBACK_BINS = (7 * 24 * 3600) / ROLLUP_BIN_SECONDS;

@Injectable()
export class ExclusionRecomputeService {
  private readonly logger = new Logger(ExclusionRecomputeService.name);
  readonly config: RecommendationConfig = resolveRecommendationConfig();

  constructor(
    private readonly prisma: PrismaService,
    @Inject(HUB_CONFIG) private readonly hubConfig: HubConfig,
  ) {}

  /**
   * Builds a new exclusion set version from the fleet rollup (activity_rollups,
   * kept up to date by ingest: no rescan of the raw counts), diffs it against
   * the previous version and stores both. Decisions are not copied: they are
   * keyed by item identity and apply to every version.
   */
  async recompute(jobId?: string): Promise<RecomputeResult> {
    const started = performance.now();
    // CPU time of this process too: on a shared machine the wall time also measures the neighbours.
    const cpu0 = process.cpuUsage();
    const input = await readRollup(this.hubConfig.DATABASE_URL, LOOKBACK_BINS);
    const t0 = performance.now();
    const cpuEngine0 = process.cpuUsage();
    const result = recommendExclusions(input.columns, { hostsReporting: input.hostsReporting, config: this.config });
    const engineMs = performance.now() - t0;
    const engineCpu = process.cpuUsage(cpuEngine0);

    const t1 = performance.now();
    const previous = await this.prisma.exclusionSet.findFirst({ orderBy: { version: 'desc' }, include: { items: true } });
    const diff = diffExclusionSets(
      (previous?.items ?? []).map((i) => ({ ...i, risk: i.risk as never, evidence: i.evidence as never })),
      result.items,
      result.rejected,
    );
    const set = await this.prisma.exclusionSet.create({
      data: {
        jobId: jobId ?? null,
        previousSetId: previous?.id ?? null,
        diff: diff as object,
        params: { config: { ...this.config }, hostsReporting: input.hostsReporting, lookbackBins: LOOKBACK_BINS, rejected: result.rejected.slice(0, 200) } as object,
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
    const storeMs = performance.now() - t1;
    const timings = {
      rollupQueryMs: Math.round(input.queryMs),
      decodeMs: Math.round(input.decodeMs),
      engineMs: Math.round(engineMs),
      storeMs: Math.round(storeMs),
      totalMs: Math.round(performance.now() - started),
      hubCpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000),
      engineCpuMs: Math.round((engineCpu.user + engineCpu.system) / 1000),
    };
    this.logger.log(
      `exclusion set v${set.version}: ${result.items.length} items (+${diff.added.length} -${diff.removed.length} ~${diff.changed.length}) ` +
        `from ${input.columns.rowCount} rollup cells in ${timings.totalMs} ms (rollup query ${timings.rollupQueryMs} ms)`,
    );
    return {
      setId: set.id,
      version: set.version,
      items: result.items.length,
      rejected: result.rejected.length,
      added: diff.added.length,
      removed: diff.removed.length,
      changed: diff.changed.length,
      rollupCells: input.columns.rowCount,
      timings,
    };
  }
}
