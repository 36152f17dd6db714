import { Inject, Injectable, Logger } from '@nestjs/common';
import { SignedWebhookSender } from '../webhooks/signed-webhook-sender';
import { SecretBox } from '../secrets/secret-box';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { GitPolicyCommit } from './git-policy-files';
import { GitPolicyPublisher, GitPublishError } from './git-policy-publisher';
import { GitRemote, parseGitRemote } from './git-remote';
import { PolicyPushRepository } from './policy-push.repository';
import { ConsolePushService } from './connectors/console-push.service';
import { isConsoleConnectorKind } from './connectors/policy-console-connector';

export class PolicyDeliveryFailedError extends Error {}

/**
 * One delivery attempt of a webhook push. A non-2xx answer or a network error
 * throws, so BullMQ retries with exponential backoff; every attempt is in
 * policy_delivery_attempts. A push already delivered is never sent again (a
 * stalled job re-run after success); a target whose address is refused fails
 * at once, without retries.
 */
@Injectable()
export class PolicyDeliveryService {
  private readonly logger = new Logger(PolicyDeliveryService.name);

  constructor(
    private readonly pushes: PolicyPushRepository,
    private readonly sender: SignedWebhookSender,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly box: SecretBox,
    private readonly git: GitPolicyPublisher,
    private readonly consoles: ConsolePushService,
  ) {}

  async deliver(pushId: string, body: string, attempt: number, maxAttempts: number): Promise<{ status: string; statusCode?: number }> {
    const push = await this.pushes.withTarget(pushId);
    if (!push) return { status: 'gone' };
    if (push.status === 'delivered') return { status: 'delivered' };
    const target = push.target;
    if (target.kind === 'git') return this.deliverToGit(push, target, body, attempt, maxAttempts);
    if (isConsoleConnectorKind(target.kind)) return this.consoles.deliver(pushId, target, body, attempt, maxAttempts);
    if (!target.url || !target.secret || target.deletedAt || !target.enabled) {
      await this.pushes.recordOutcome(pushId, { status: 'failed', lastError: 'target deleted or disabled' });
      return { status: 'failed' };
    }
    const r = await this.sender.send({
      url: target.url,
      body,
      deliveryId: pushId,
      secret: this.box.open(target.secret, 'policy_targets.secret'),
      timeoutMs: this.config.FLEETTUNE_POLICY_PUSH_TIMEOUT_MS,
      headers: { 'X-Fleettune-Push-Id': pushId, 'X-Fleettune-Attempt': String(attempt) },
    });
    await this.pushes.recordAttempt(pushId, { attempt, statusCode: r.statusCode ?? null, error: r.error ?? null, durationMs: r.durationMs });
    if (r.ok) {
      await this.pushes.recordOutcome(pushId, {
        status: 'delivered',
        attempts: attempt,
        lastStatusCode: r.statusCode ?? null,
        lastError: null,
        deliveredAt: new Date(),
      });
      return { status: 'delivered', statusCode: r.statusCode };
    }
    const final = r.permanent || attempt >= maxAttempts;
    await this.pushes.recordOutcome(pushId, {
      status: final ? 'failed' : 'retrying',
      attempts: attempt,
      lastStatusCode: r.statusCode ?? null,
      lastError: (r.error ?? 'failed').slice(0, 1000),
    });
    this.logger.warn(`push ${pushId} to ${target.name}: attempt ${attempt}/${maxAttempts} failed: ${r.error}`);
    if (r.permanent) return { status: 'failed' };
    throw new PolicyDeliveryFailedError(`webhook delivery failed: ${r.error}`);
  }

  /**
   * One attempt of a git push. The remote is checked again here (settings and
   * DNS may have changed since the target was created); a refused remote
   * fails at once, a git error is retried like a webhook's.
   */
  private async deliverToGit(
    push: { id: string },
    target: {
      name: string;
      url: string | null;
      secret: string | null;
      branch: string | null;
      directory: string | null;
      enabled: boolean;
      deletedAt: Date | null;
    },
    body: string,
    attempt: number,
    maxAttempts: number,
  ): Promise<{ status: string }> {
    const pushId = push.id;
    const fail = async (error: string, final: boolean) => {
      await this.pushes.recordAttempt(pushId, { attempt, error: error.slice(0, 1000), durationMs: Math.round(performance.now() - started) });
      await this.pushes.recordOutcome(pushId, { status: final ? 'failed' : 'retrying', attempts: attempt, lastError: error.slice(0, 1000) });
      this.logger.warn(`git push ${pushId} to ${target.name}: attempt ${attempt}/${maxAttempts} failed: ${error}`);
    };
    const started = performance.now();
    if (!target.url || target.deletedAt || !target.enabled) {
      await fail('target deleted or disabled', true);
      return { status: 'failed' };
    }
    const url = target.secret ? this.box.open(target.secret, 'policy_targets.secret') : target.url;
    const remote = await this.checkedRemote(url);
    if (typeof remote === 'string') {
      await fail(`url: ${remote}`, true);
      return { status: 'failed' };
    }
    const commit = JSON.parse(body) as GitPolicyCommit;
    try {
      const r = await this.git.publish({
        remote,
        branch: target.branch ?? 'main',
        directory: target.directory ?? '',
        files: commit.files,
        message: commit.message,
      });
      const durationMs = Math.round(performance.now() - started);
      await this.pushes.recordAttempt(pushId, { attempt, durationMs });
      await this.pushes.recordOutcome(pushId, {
        status: r.status === 'committed' ? 'delivered' : 'unchanged',
        commitSha: r.status === 'committed' ? r.commit : null,
        attempts: attempt,
        lastError: null,
        deliveredAt: new Date(),
      });
      return { status: r.status === 'committed' ? 'delivered' : 'unchanged' };
    } catch (err) {
      const message = err instanceof GitPublishError ? err.message : `git push failed: ${(err as Error).message}`;
      const final = attempt >= maxAttempts;
      await fail(message, final);
      if (final) return { status: 'failed' };
      throw new PolicyDeliveryFailedError(message);
    }
  }

  private async checkedRemote(url: string): Promise<GitRemote | string> {
    const remote = parseGitRemote(url, this.config.FLEETTUNE_POLICY_GIT_ALLOW_LOCAL);
    if ('problem' in remote) return remote.problem;
    const refused = remote.host ? await this.sender.hostProblem(remote.host) : undefined;
    return refused ?? remote;
  }
}
