import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { AlertDeliveryService } from './alert-delivery.service';
import { DetectorConfig, NoisySubject, detectorConfig } from './alert-detector';
import { runAlertDetectionInWorker } from './alert-detection-runner';
import { CoveringExclusion } from './exclusion-coverage';
import { AlertRepository } from './alert.repository';
import { AlertEvaluationRepository } from './alert-evaluation.repository';

export interface EvaluateOptions {
  /** Detection reference time; defaults to the latest window_end in the data. */
  now?: Date;
}

export interface EvaluationResult {
  now: string | null;
  /** Why nothing was evaluated (no data, learning period, no baseline), when so. */
  skipped?: string;
  learningEndsAt?: string;
  noisySubjects: number;
  created: string[];
  updated: string[];
  /** Newly noisy subjects kept quiet: cooldown after resolve, or covered by an approved exclusion. */
  suppressed: Array<{ subject: string; why: string }>;
  /** Noisy subjects left for the next run because FLEETTUNE_ALERTS_MAX_PER_RUN was reached. */
  capped: number;
}

const MAX_SAMPLE_HOSTS = 5;
/** A skewed host clock must not drag "now" into the future. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The detection job: loads recent noise, and the baseline of only the
 * subjects noisy now, runs the detector, and turns newly noisy subjects into
 * deduplicated alerts plus one delivery per enabled channel.
 */
@Injectable()
export class AlertEvaluationService {
  private readonly logger = new Logger(AlertEvaluationService.name);
  readonly detector: DetectorConfig;
  private readonly cappedTotal?: Counter;

  constructor(
    private readonly alerts: AlertRepository,
    private readonly inputs: AlertEvaluationRepository,
    private readonly delivery: AlertDeliveryService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() metrics?: MetricsRegistry,
  ) {
    this.cappedTotal = metrics
      ? metrics.counter('fleettune_alerts_capped_total', 'Noisy subjects an evaluation left for the next run because FLEETTUNE_ALERTS_MAX_PER_RUN was reached')
      : undefined;
    const binSeconds = detectorConfig({ recentBins: 1, jumpFactor: 2 }).windowMinutes * 60;
    this.detector = detectorConfig({
      recentBins: Math.max(1, Math.ceil(config.FLEETTUNE_ALERTS_RECENT_SECONDS / binSeconds)),
      jumpFactor: config.FLEETTUNE_ALERTS_JUMP_FACTOR,
    });
  }

  async evaluate(opts: EvaluateOptions = {}): Promise<EvaluationResult> {
    const result: EvaluationResult = { now: null, noisySubjects: 0, created: [], updated: [], suppressed: [], capped: 0 };
    const range = await this.inputs.ingestSpan();
    if (!range.first || !range.last) return { ...result, skipped: 'no data ingested yet' };
    const now = opts.now ?? new Date(Math.min(range.last.getTime(), Date.now() + MAX_CLOCK_SKEW_MS));
    result.now = now.toISOString();

    // Learning period, measured from the fleet's first ingested batch (data time, like "now").
    const learningMs = this.config.FLEETTUNE_ALERTS_LEARNING_SECONDS * 1000;
    if (learningMs > 0 && now.getTime() - range.first.getTime() < learningMs) {
      return { ...result, skipped: 'learning period', learningEndsAt: new Date(range.first.getTime() + learningMs).toISOString() };
    }

    const binSeconds = this.detector.windowMinutes * 60;
    const recentStart = new Date(now.getTime() - this.detector.recentBins * binSeconds * 1000);
    const baselineStart = new Date(recentStart.getTime() - this.config.FLEETTUNE_ALERTS_BASELINE_SECONDS * 1000);
    const { baselineBatches, hostsReporting } = await this.inputs.batchCounts(baselineStart, recentStart, now);
    // Without any baseline every noisy app would look new (a hub that was down for a week, say).
    if (baselineBatches === 0) return { ...result, skipped: 'no baseline data in the look-back period' };

    // Reading the noise, both detection passes and the coverage match run in a worker thread (issue 13 item 6).
    const detection = await runAlertDetectionInWorker({
      databaseUrl: this.config.DATABASE_URL,
      nowMs: now.getTime(),
      binSeconds,
      recentStartMs: recentStart.getTime(),
      baselineStartMs: baselineStart.getTime(),
      detector: this.detector,
      approved: await this.approvedExclusions(),
    });
    result.noisySubjects = detection.noisySubjects;
    for (const subject of detection.covered) result.suppressed.push({ subject, why: 'covered by an approved exclusion' });

    // Broadest first, so a cap keeps the alerts that matter most.
    const noisy = [...detection.uncovered].sort((a, b) => b.hostIds.length - a.hostIds.length || b.ratePerSecond - a.ratePerSecond);
    const maxPerRun = this.config.FLEETTUNE_ALERTS_MAX_PER_RUN;
    for (const [i, s] of noisy.entries()) {
      if (result.created.length + result.updated.length >= maxPerRun) {
        result.capped = noisy.length - i;
        break;
      }
      const outcome = await this.record(s, hostsReporting);
      if (outcome.created) result.created.push(outcome.created);
      if (outcome.updated) result.updated.push(outcome.updated);
      if (outcome.suppressed) result.suppressed.push({ subject: s.subject, why: outcome.suppressed });
    }
    if (result.capped > 0) {
      this.cappedTotal?.inc(result.capped);
      this.logger.warn(
        `alerts capped: ${result.created.length + result.updated.length} recorded, ${result.capped} noisy subjects left for the next run (FLEETTUNE_ALERTS_MAX_PER_RUN=${maxPerRun})`,
      );
    }
    await this.delivery.enqueuePending();
    if (result.created.length || result.updated.length) {
      this.logger.log(`alerts: ${result.created.length} new, ${result.updated.length} updated (now ${result.now})`);
    }
    return result;
  }

  /** Creates or updates the one open alert of a noisy subject. */
  private async record(s: NoisySubject, hostsReporting: number): Promise<{ created?: string; updated?: string; suppressed?: string }> {
    const openKey = `${s.group}:${s.subject}`;
    const existing = await this.alerts.findOpen(openKey);
    if (existing) {
      const before = new Set(existing.hostIds as string[]);
      const hostIds = [...new Set([...before, ...s.hostIds])].sort();
      const grew = hostIds.length > before.size;
      const later = s.lastSeenMs > existing.lastSeenAt.getTime();
      if (!grew && !later) return {};
      await this.alerts.update(existing.id, {
        hostIds,
        hostsCount: hostIds.length,
        hostsReporting: Math.max(hostsReporting, hostIds.length),
        sampleHostnames: await this.sampleHostnames(hostIds),
        lastSeenAt: later ? new Date(s.lastSeenMs) : existing.lastSeenAt,
        ratePerSecond: Math.max(existing.ratePerSecond, s.ratePerSecond),
        peakWindowCount: BigInt(Math.max(Number(existing.peakWindowCount), s.recentPeak)),
      });
      // More hosts is news; a muted or acknowledged alert stays quiet.
      if (grew && existing.status === 'open') await this.delivery.createDeliveries(existing.id, 'alert.updated');
      return { updated: existing.id };
    }
    if (!s.isNew) return {};
    if (this.config.FLEETTUNE_ALERTS_COOLDOWN_SECONDS > 0) {
      const since = new Date(Date.now() - this.config.FLEETTUNE_ALERTS_COOLDOWN_SECONDS * 1000);
      const recent = await this.alerts.findResolvedSince(kindsOf(s.group), s.subject, since);
      if (recent) return { suppressed: `cooldown after alert ${recent.id} was resolved` };
    }
    const alert = await this.alerts.createOpen({
      kind: s.kind,
      subject: s.subject,
      openKey,
      status: 'open',
      hostsCount: s.hostIds.length,
      hostsReporting: Math.max(hostsReporting, s.hostIds.length),
      hostIds: s.hostIds,
      sampleHostnames: await this.sampleHostnames(s.hostIds),
      ratePerSecond: s.ratePerSecond,
      peakWindowCount: BigInt(s.recentPeak),
      baselinePeakCount: BigInt(s.baselinePeak),
      threshold: s.threshold,
      reason: s.reason,
      suggestedExclusion: { ...s.suggestedExclusion, ...(s.children.length ? { children: s.children } : {}) },
      firstSeenAt: new Date(s.firstSeenMs),
      lastSeenAt: new Date(s.lastSeenMs),
    });
    // Another evaluation (another hub replica) opened it first: the unique open_key is the dedupe.
    if (!alert) return {};
    await this.delivery.createDeliveries(alert.id, 'alert.created');
    return { created: alert.id };
  }

  private async sampleHostnames(hostIds: string[]): Promise<string[]> {
    const names = await this.inputs.hostnames(hostIds);
    return [...new Set(names)].sort().slice(0, MAX_SAMPLE_HOSTS);
  }

  /**
   * Exclusions a person approved; a subject they cover does not alert. The
   * current decision of an exclusion is the newest row of exclusion_decisions
   * for its (type, value, user) (AlertEvaluationRepository). A change to the
   * review model shows up here as a logged warning rather than as alerts that stop.
   */
  async approvedExclusions(): Promise<CoveringExclusion[]> {
    try {
      const rows = await this.inputs.approvedExclusions();
      return rows.map((r) => ({
        type: r.type,
        value: r.value,
        isDirectory: r.is_directory ?? r.type === 'audit-dir',
        applyToChildren: r.apply_to_children ?? false,
      }));
    } catch (err) {
      this.logger.warn(`approved exclusions unavailable, none applied: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }
}

function kindsOf(group: string): string[] {
  return group === 'process' ? ['exec', 'parent'] : [group];
}
