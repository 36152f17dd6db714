import { Inject, Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { SignedWebhookSender } from '../webhooks/signed-webhook-sender';
import { SecretBox } from '../secrets/secret-box';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';

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
    private readonly prisma: PrismaService,
    private readonly sender: SignedWebhookSender,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly box: SecretBox,
  ) {}

  async deliver(pushId: string, body: string, attempt: number, maxAttempts: number): Promise<{ status: string; statusCode?: number }> {
    const push = await this.prisma.policyPush.findUnique({ where: { id: pushId }, include: { target: true } });
    if (!push) return { status: 'gone' };
    if (push.status === 'delivered') return { status: 'delivered' };
    const target = push.target;
    if (!target.url || !target.secret || target.deletedAt || !target.enabled) {
      await this.prisma.policyPush.update({ where: { id: pushId }, data: { status: 'failed', lastError: 'target deleted or disabled' } });
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
    await this.prisma.policyDeliveryAttempt.create({
      data: { pushId, attempt, statusCode: r.statusCode ?? null, error: r.error ?? null, durationMs: r.durationMs },
    });
    if (r.ok) {
      await this.prisma.policyPush.update({
        where: { id: pushId },
        data: { status: 'delivered', attempts: attempt, lastStatusCode: r.statusCode ?? null, lastError: null, deliveredAt: new Date() },
      });
      return { status: 'delivered', statusCode: r.statusCode };
    }
    const final = r.permanent || attempt >= maxAttempts;
    await this.prisma.policyPush.update({
      where: { id: pushId },
      data: { status: final ? 'failed' : 'retrying', attempts: attempt, lastStatusCode: r.statusCode ?? null, lastError: (r.error ?? 'failed').slice(0, 1000) },
    });
    this.logger.warn(`push ${pushId} to ${target.name}: attempt ${attempt}/${maxAttempts} failed: ${r.error}`);
    if (r.permanent) return { status: 'failed' };
    throw new PolicyDeliveryFailedError(`webhook delivery failed: ${r.error}`);
  }
}
