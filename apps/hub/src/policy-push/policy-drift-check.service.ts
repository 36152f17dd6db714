import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { JOBS, QUEUES } from '../jobs/job-registry';
import { WorkerSchedule } from '../jobs/periodic-job';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { scrapeCache } from '../metrics/scrape-cache';
import { ConsolePushService } from './connectors/console-push.service';
import { CONSOLE_CONNECTOR_KINDS } from './connectors/policy-console-connector';
import { PolicyTargetRepository } from './policy-target.repository';

export interface DriftCheckResult {
  targetId: string;
  name: string;
  /** Owned items changed, removed or added by hand; null when the console could not be read. */
  items: number | null;
  error: string | null;
}

/**
 * Someone changing the console by hand (an exclusion the hub created edited
 * or deleted in Secure Endpoint, Intune or Jamf) is found only when somebody
 * asks (GET .../drift) or at the next push. Every
 * FLEETTUNE_POLICY_DRIFT_CHECK_SECONDS a worker reads each enabled console
 * target (under the target's lock, never halfway through a push), records
 * the result on the target (shown in the API and dashboard), logs what
 * drifted, and /metrics counts drifted and unreadable targets for alerting.
 * It only reads: restoring the approved form is a push, which a person asks for.
 */
@Injectable()
export class PolicyDriftCheckService extends WorkerSchedule {
  private readonly log = new Logger(PolicyDriftCheckService.name);

  constructor(
    @InjectQueue(QUEUES.policyPush) queue: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly targets: PolicyTargetRepository,
    private readonly consoles: ConsolePushService,
    metrics: MetricsRegistry,
  ) {
    super(queue, config, {
      schedulerId: 'check-policy-drift',
      everySeconds: config.FLEETTUNE_POLICY_DRIFT_CHECK_SECONDS,
      job: { name: JOBS.checkPolicyDrift.name, data: {} },
      what: 'drift check of console policy targets',
    });
    const read = scrapeCache(() => targets.driftCounts(), 5_000);
    metrics.scrapedGauge(
      'fleettune_policy_targets_drifted',
      'Enabled console targets whose last drift check found owned items changed, removed or added by hand',
      async () => (await read()).drifted,
    );
    metrics.scrapedGauge(
      'fleettune_policy_targets_drift_unreadable',
      'Enabled console targets whose last drift check could not read the console',
      async () => (await read()).unreadable,
    );
  }

  async checkAll(): Promise<DriftCheckResult[]> {
    const out: DriftCheckResult[] = [];
    for (const target of await this.targets.enabledOfKinds(CONSOLE_CONNECTOR_KINDS)) {
      let r: DriftCheckResult;
      try {
        const report = await this.consoles.lockedDrift(target);
        r = { targetId: target.id, name: target.name, items: report.drift.length, error: null };
        if (report.drift.length)
          this.log.warn(
            `policy target ${target.name}: ${report.drift.length} item(s) the hub manages were changed by hand in the console ` +
              `(${report.drift.map((d) => `${d.kind} ${d.consoleId}`).join(', ')}); the next push restores the approved form`,
          );
      } catch (err) {
        r = { targetId: target.id, name: target.name, items: null, error: (err as Error).message.slice(0, 1000) };
        this.log.warn(`policy target ${target.name}: drift check could not read the console: ${r.error}`);
      }
      await this.targets.recordDriftCheck(target.id, { checkedAt: new Date(), items: r.items, error: r.error });
      out.push(r);
    }
    return out;
  }
}
