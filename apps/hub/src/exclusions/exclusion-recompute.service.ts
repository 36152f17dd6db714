import { Inject, Injectable, Logger } from '@nestjs/common';
import { RecommendationConfig, resolveRecommendationConfig } from '@fleettune/rules';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { ActivityRollupService, ROLLUP_BIN_SECONDS } from './activity-rollup.service';
import { runRecomputeInWorker } from './recompute-worker-runner';

export interface RecomputeResult {
  setId: string;
  version: number;
  items: number;
  rejected: number;
  /** Host-scoped suggestions (below the fleet bar), stored with the set, never exported. */
  suggestions: number;
  added: number;
  removed: number;
  changed: number;
  rollupCells: number;
  /** Of those, rows read from the raw count tables (auditd initiators/directories, mdatp files scanned). */
  rawRows: number;
  /** This job had stored this version before (run again after a Redis failover): nothing new was stored. */
  alreadyStored?: boolean;
  /** Milliseconds: the rollup query alone, decoding, the engine, storing, and all of it. */
  timings: { rollupQueryMs: number; decodeMs: number; engineMs: number; storeMs: number; totalMs: number; hubCpuMs: number; engineCpuMs: number };
}

/** How far back (data time, from the newest rollup bin) a recompute looks: 7 days. */
export const LOOKBACK_BINS = (7 * 24 * 3600) / ROLLUP_BIN_SECONDS;

@Injectable()
export class ExclusionRecomputeService {
  private readonly logger = new Logger(ExclusionRecomputeService.name);
  readonly config: RecommendationConfig;

  constructor(
    @Inject(HUB_CONFIG) private readonly hubConfig: HubConfig,
    private readonly rollups: ActivityRollupService,
  ) {
    this.config = resolveRecommendationConfig({ minHosts: hubConfig.FLEETTUNE_MIN_HOSTS, minPrevalence: hubConfig.FLEETTUNE_MIN_PREVALENCE });
  }

  /**
   * Builds a new exclusion set version from the fleet rollup (activity_rollups,
   * kept up to date by the rollup worker: no rescan of the raw counts), diffs
   * it against the previous version and stores both (exclusion-set-version.repository.ts). Decisions are not copied: they are
   * keyed by item identity and apply to every version. The rollup read and the
   * engine run in a worker thread (runRecomputeInWorker): this process only
   * waits, so HTTP, gRPC ingest and queue locks keep being served.
   */
  async recompute(jobId?: string): Promise<RecomputeResult> {
    const started = performance.now();
    // CPU time of this process too: on a shared machine the wall time also measures the neighbours.
    const cpu0 = process.cpuUsage();
    await this.rollups.catchUp(); // every committed batch rolled up first (the rollup worker runs behind ingest)
    const input = await runRecomputeInWorker({
      databaseUrl: this.hubConfig.DATABASE_URL,
      lookbackBins: LOOKBACK_BINS,
      config: this.config,
      independence: {
        enrollBurstSeconds: this.hubConfig.FLEETTUNE_ENROLL_BURST_SECONDS,
        countSharedPeerOnce: this.hubConfig.FLEETTUNE_COUNT_SHARED_PEER_ONCE,
      },
      jobId: jobId ?? null,
    });
    const timings = {
      rollupQueryMs: Math.round(input.queryMs),
      decodeMs: Math.round(input.decodeMs),
      engineMs: Math.round(input.engineMs),
      storeMs: Math.round(input.storeMs),
      totalMs: Math.round(performance.now() - started),
      hubCpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000),
      engineCpuMs: Math.round(input.engineCpuMs),
    };
    if (input.alreadyStored) this.logger.warn(`job ${jobId} had already stored exclusion set v${input.version}: run again, nothing new stored`);
    else
      this.logger.log(
        `exclusion set v${input.version}: ${input.items} items (+${input.added} -${input.removed} ~${input.changed}) ` +
          `from ${input.rowCount} rollup cells in ${timings.totalMs} ms (rollup query ${timings.rollupQueryMs} ms)`,
      );
    return {
      setId: input.setId,
      version: input.version,
      items: input.items,
      rejected: input.rejected,
      suggestions: input.suggestions,
      added: input.added,
      removed: input.removed,
      changed: input.changed,
      rollupCells: input.rowCount,
      rawRows: input.rawRows,
      ...(input.alreadyStored ? { alreadyStored: true } : {}),
      timings,
    };
  }
}
