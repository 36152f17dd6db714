import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { ConsoleDrift, ConsoleItem, ConsolePlan, OwnedConsoleItem, canonicalJson, consoleDrift, planConsoleChanges, planIsEmpty } from '@fleettune/exporters';
import { HUB_CONFIG, HubConfig } from '../../config/hub-config';
import { SecretBox } from '../../secrets/secret-box';
import type { PushedItem } from '../policy-payload';
import { PolicyPushRepository } from '../policy-push.repository';
import { ConnectorHttp } from './connector-http';
import { connectorFactory } from './connector-registry';
import { ConnectorError, DesiredConsoleItems, PolicyConsoleConnector, PolicyConsoleConnectorFactory } from './policy-console-connector';

/** The stored fields of a connector target this service needs. */
export interface ConsoleTarget {
  id: string;
  name: string;
  kind: string;
  secret: string | null;
  config: unknown;
  enabled: boolean;
  deletedAt: Date | null;
}

/** What a connector push job carries: the approved items in the vendor's form, built once when the push was queued. */
export interface ConsolePushBody {
  desired: ConsoleItem[];
  skipped: { value: string; reason: string }[];
}

/** A plan as the API shows it: what would be added, removed, left. */
export interface PlanView {
  add: ConsoleItem[];
  remove: OwnedConsoleItem[];
  unchanged: OwnedConsoleItem[];
}

export interface DriftReport {
  targetId: string;
  kind: string;
  /** Owned items changed, removed or added by hand since the hub last applied. */
  drift: ConsoleDrift[];
  /** Items in the same place the hub did not create: never touched. */
  humanMade: number;
  owned: number;
  /** The push whose result the drift is measured against, or null before the first. */
  lastAppliedPushId: string | null;
}

/**
 * Pushes approved items into a security product's console through a
 * connector (policy-console-connector.ts): dry run, apply with read-back
 * verification, drift, and the credentials/config of connector targets.
 */
@Injectable()
export class ConsolePushService {
  private readonly logger = new Logger(ConsolePushService.name);

  constructor(
    private readonly pushes: PolicyPushRepository,
    private readonly box: SecretBox,
    private readonly http: ConnectorHttp,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** The registered connector of a kind, or 400 when this hub has none for it. */
  factory(kind: string): PolicyConsoleConnectorFactory {
    const f = connectorFactory(kind);
    if (!f) throw new BadRequestException(`kind ${kind}: no connector for it in this hub yet`);
    return f;
  }

  /**
   * The config and sealed credentials of a new connector target, or 400 with
   * what is wrong: each checked against the connector's schema, every URL it
   * will call against the outbound address policy.
   */
  async targetSettings(kind: string, config: unknown, credentials: unknown): Promise<{ config: unknown; secret: string }> {
    const f = this.factory(kind);
    const c = f.configSchema.safeParse(config ?? {});
    if (!c.success) throw new BadRequestException(`config: ${issues(c.error)}`);
    const s = f.credentialsSchema.safeParse(credentials ?? {});
    if (!s.success) throw new BadRequestException(`credentials: ${issues(s.error)}`);
    for (const url of f.endpoints(c.data)) {
      const problem = await this.http.urlProblem(url);
      if (problem) throw new BadRequestException(`config: ${problem}`);
    }
    return { config: c.data, secret: this.box.seal(JSON.stringify(s.data), 'policy_targets.secret') };
  }

  /** The approved items in the target's vendor form (and those it cannot carry). */
  desired(target: ConsoleTarget, items: readonly PushedItem[]): DesiredConsoleItems {
    const f = this.factory(target.kind);
    return f.desired(items, this.parsedConfig(f, target));
  }

  /** What a push of `desired` would change now: reads the console, changes nothing. */
  async dryRun(target: ConsoleTarget, desired: readonly ConsoleItem[]) {
    const connector = this.connector(target);
    const ledger = await this.ledger(target.id);
    const read = await this.mapped(() => connector.readOwned(ledger));
    const plan = planConsoleChanges(desired, read.owned);
    return { plan: planView(plan), drift: consoleDrift(read.owned, ledger), humanMade: read.humanMade, owned: read.owned.length };
  }

  /** drift() while holding the target's lock: a scheduled check never reads a console halfway through a push. */
  lockedDrift(target: ConsoleTarget): Promise<DriftReport> {
    return this.pushes.withTargetLock(target.id, () => this.drift(target), this.lockTimeoutMs());
  }

  async drift(target: ConsoleTarget): Promise<DriftReport> {
    const connector = this.connector(target);
    const last = await this.pushes.latestLedger(target.id);
    const ledger = last.items as OwnedConsoleItem[];
    const read = await this.mapped(() => connector.readOwned(ledger));
    return {
      targetId: target.id,
      kind: target.kind,
      drift: consoleDrift(read.owned, ledger),
      humanMade: read.humanMade,
      owned: read.owned.length,
      lastAppliedPushId: last.pushId,
    };
  }

  /**
   * One attempt of a connector push, under the target's lock: read the owned
   * items, plan against the approved ones, record the plan and the drift,
   * apply, record the new ledger, read back and verify. A retryable failure
   * throws (BullMQ tries again later, re-planning from what the console then
   * holds); any other fails the push.
   */
  async deliver(pushId: string, target: ConsoleTarget, body: string, attempt: number, maxAttempts: number): Promise<{ status: string }> {
    const started = performance.now();
    const fail = async (error: string, final: boolean, statusCode?: number) => {
      await this.pushes.recordAttempt(pushId, {
        attempt,
        statusCode: statusCode ?? null,
        error: error.slice(0, 1000),
        durationMs: Math.round(performance.now() - started),
      });
      await this.pushes.recordOutcome(pushId, {
        status: final ? 'failed' : 'retrying',
        attempts: attempt,
        lastStatusCode: statusCode ?? null,
        lastError: error.slice(0, 1000),
      });
      this.logger.warn(`${target.kind} push ${pushId} to ${target.name}: attempt ${attempt}/${maxAttempts} failed: ${error}`);
    };
    if (target.deletedAt || !target.enabled) {
      await fail('target deleted or disabled', true);
      return { status: 'failed' };
    }
    const { desired } = JSON.parse(body) as ConsolePushBody;
    try {
      return await this.pushes.withTargetLock(target.id, () => this.applyOnce(pushId, target, desired, attempt, started), this.lockTimeoutMs());
    } catch (err) {
      const e = err instanceof ConnectorError ? err : new ConnectorError((err as Error).message, { retryable: true });
      const final = !e.retryable || attempt >= maxAttempts;
      await fail(e.message, final, e.statusCode);
      if (final) return { status: 'failed' };
      throw e;
    }
  }

  private async applyOnce(pushId: string, target: ConsoleTarget, desired: ConsoleItem[], attempt: number, started: number): Promise<{ status: string }> {
    const connector = this.connector(target);
    const ledger = await this.ledger(target.id);
    const read = await this.mapped(() => connector.readOwned(ledger));
    const plan = planConsoleChanges(desired, read.owned);
    await this.pushes.recordConsole(pushId, { plan: planView(plan), drift: consoleDrift(read.owned, ledger), verified: null });
    let after: OwnedConsoleItem[];
    try {
      after = planIsEmpty(plan) ? [...plan.unchanged] : await connector.apply(plan, ledger);
    } catch (err) {
      // What was created before the failure is ours: record it, so the next attempt neither duplicates nor orphans it.
      if (err instanceof ConnectorError && err.ledger) await this.pushes.recordConsole(pushId, { applied: err.ledger });
      throw err;
    }
    await this.pushes.recordConsole(pushId, { applied: after });
    const back = await this.mapped(() => connector.readOwned(after));
    const check = planConsoleChanges(desired, back.owned);
    const verified = planIsEmpty(check) && sameItems(back.owned, after);
    await this.pushes.recordConsole(pushId, { verified });
    if (!verified) {
      throw new ConnectorError(
        `read-back differs from the plan: ${check.add.length} approved item(s) missing, ${check.remove.length} owned item(s) not approved`,
        {
          retryable: true,
        },
      );
    }
    await this.pushes.recordAttempt(pushId, { attempt, durationMs: Math.round(performance.now() - started) });
    const status = planIsEmpty(plan) ? 'unchanged' : 'delivered';
    await this.pushes.recordOutcome(pushId, { status, attempts: attempt, lastError: null, lastStatusCode: null, deliveredAt: new Date() });
    return { status };
  }

  /** The target's connector with its config and opened credentials; a stored value that no longer parses fails the push. */
  private connector(target: ConsoleTarget): PolicyConsoleConnector {
    const f = this.factory(target.kind);
    const config = this.parsedConfig(f, target);
    if (!target.secret) throw new ConnectorError(`target ${target.name} has no credentials`, { retryable: false });
    let raw: unknown;
    try {
      raw = JSON.parse(this.box.open(target.secret, 'policy_targets.secret'));
    } catch (err) {
      throw new ConnectorError(`target ${target.name}: cannot read its credentials (${(err as Error).message})`, { retryable: false });
    }
    const s = f.credentialsSchema.safeParse(raw);
    if (!s.success) throw new ConnectorError(`target ${target.name}: stored credentials: ${issues(s.error)}`, { retryable: false });
    return f.create({ config, credentials: s.data, http: this.http });
  }

  private parsedConfig(f: PolicyConsoleConnectorFactory, target: ConsoleTarget): unknown {
    const c = f.configSchema.safeParse(target.config ?? {});
    if (!c.success) throw new ConnectorError(`target ${target.name}: stored config: ${issues(c.error)}`, { retryable: false });
    return c.data;
  }

  private async ledger(targetId: string): Promise<OwnedConsoleItem[]> {
    return (await this.pushes.latestLedger(targetId)).items as OwnedConsoleItem[];
  }

  /** Connector errors as they are; anything else (a bug, a malformed answer) as a non-retryable connector error with its message. */
  private async mapped<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      throw new ConnectorError(`connector failed: ${(err as Error).message}`, { retryable: false });
    }
  }

  /** A push may wait for another one to the same console, then run its own calls with retries: ten request timeouts each. */
  private lockTimeoutMs(): number {
    return Math.max(60_000, this.config.FLEETTUNE_POLICY_PUSH_TIMEOUT_MS * 20);
  }
}

function planView(p: ConsolePlan): PlanView {
  return { add: p.add, remove: p.remove, unchanged: p.unchanged };
}

function sameItems(a: readonly OwnedConsoleItem[], b: readonly OwnedConsoleItem[]): boolean {
  const ids = (x: readonly OwnedConsoleItem[]) => canonicalJson(x.map((i) => i.consoleId).sort());
  return ids(a) === ids(b);
}

function issues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}
