import { Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { PrismaService } from '../database/prisma.service';
import { SIGNATURE_HEADER, signBody } from './policy-payload';
import { POLICY_PUSH_QUEUE, policyPushSettings } from './policy-push.settings';

/**
 * Delivers one webhook push per job. A non-2xx answer or a network error
 * throws, and BullMQ retries with exponential backoff; every attempt is in
 * policy_delivery_attempts. A push already delivered is never sent again
 * (a stalled job re-run after success).
 */
@Processor(POLICY_PUSH_QUEUE, { concurrency: 4 })
export class PolicyPushProcessor extends WorkerHost {
  private readonly logger = new Logger(PolicyPushProcessor.name);

  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async process(job: Job<{ pushId: string; body: string }>): Promise<{ status: string; statusCode?: number }> {
    const { pushId, body } = job.data;
    const push = await this.prisma.policyPush.findUnique({ where: { id: pushId }, include: { target: true } });
    if (!push) return { status: 'gone' };
    if (push.status === 'delivered') return { status: 'delivered' };
    const target = push.target;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    if (!target.url || !target.secret || target.deletedAt || !target.enabled) {
      await this.prisma.policyPush.update({ where: { id: pushId }, data: { status: 'failed', lastError: 'target deleted or disabled' } });
      return { status: 'failed' };
    }
    const started = performance.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'fleettune-hub',
          [SIGNATURE_HEADER]: signBody(target.secret, body),
          'X-Fleettune-Push-Id': pushId,
          'X-Fleettune-Attempt': String(attempt),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(policyPushSettings().timeoutMs),
      });
      statusCode = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
    }
    const durationMs = Math.round(performance.now() - started);
    await this.prisma.policyDeliveryAttempt.create({ data: { pushId, attempt, statusCode: statusCode ?? null, error: error ?? null, durationMs } });
    if (!error) {
      await this.prisma.policyPush.update({
        where: { id: pushId },
        data: { status: 'delivered', attempts: attempt, lastStatusCode: statusCode ?? null, lastError: null, deliveredAt: new Date() },
      });
      return { status: 'delivered', statusCode };
    }
    const final = attempt >= maxAttempts;
    await this.prisma.policyPush.update({
      where: { id: pushId },
      data: { status: final ? 'failed' : 'retrying', attempts: attempt, lastStatusCode: statusCode ?? null, lastError: error.slice(0, 1000) },
    });
    this.logger.warn(`push ${pushId} to ${target.name}: attempt ${attempt}/${maxAttempts} failed: ${error}`);
    throw new Error(`webhook delivery failed: ${error}`);
  }
}
