import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { createHmac } from 'node:crypto';
import { PrismaService } from '../database/prisma.service';
import type { Alert, AlertChannel } from '../generated/prisma/client';
import { ALERTS_CONFIG, ALERT_DELIVERY_QUEUE, AlertsConfig } from './alerts-config';
import { AlertView, toAlertView } from './alert-view';

export const DELIVER_JOB = 'deliver';
export const CAPPED_BACKOFF = 'capped-exponential';

/** Exponential backoff that stops growing at the job's `maxDelayMs`: retries keep coming for days, not years apart. */
export function cappedBackoff(attemptsMade: number, _type?: string, _err?: Error, job?: { opts: { backoff?: number | { delay?: number } }; data?: { maxDelayMs?: number } }): number {
  const b = job?.opts.backoff;
  const base = (typeof b === 'number' ? b : b?.delay) ?? 1000;
  return Math.min(Math.round(2 ** Math.max(0, attemptsMade - 1) * base), job?.data?.maxDelayMs ?? 3_600_000);
}
export type AlertEvent = 'alert.created' | 'alert.updated';

export interface DeliveryOutcome {
  deliveryId: string;
  status: 'delivered' | 'skipped';
  statusCode?: number;
}

export class DeliveryFailedError extends Error {}

/** HMAC-SHA256 of the exact body bytes, as sent in `X-Fleettune-Signature`. */
export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** The Slack-compatible message: one readable `text` (mrkdwn). */
export function slackText(event: AlertEvent, a: AlertView): string {
  const what: Record<string, string> = {
    parent: 'New noisy helper program',
    exec: 'Newly noisy program',
    path: 'Newly noisy file',
    directory: 'Newly noisy directory',
  };
  const sx = a.suggestedExclusion;
  const suggestion = sx
    ? sx.allowed
      ? `${sx.type} exclusion \`${sx.value}\`${sx.applyToChildren ? ' (apply to child processes)' : ''}${sx.isDirectory ? ' (directory)' : ''}`
      : `none (${sx.why ?? 'refused by the safety policy'})`
    : 'none';
  const hosts = `${a.hosts} of ${a.hostsReporting} host${a.hostsReporting === 1 ? '' : 's'}${a.sampleHosts.length ? ` (${a.sampleHosts.join(', ')}${a.hosts > a.sampleHosts.length ? ', …' : ''})` : ''}`;
  const link = a.links.dashboard.startsWith('http') ? `<${a.links.dashboard}|Open in fleettune>` : `fleettune: ${a.links.dashboard}`;
  return [
    `:rotating_light: *${what[a.kind] ?? 'Newly noisy subject'}*${event === 'alert.updated' ? ' (more hosts)' : ''}: \`${a.subject}\``,
    `• ${a.reason}`,
    `• Rate: ${a.ratePerSecond}/s on ${hosts}`,
    `• First seen: ${a.firstSeenAt.toISOString()}, last seen: ${a.lastSeenAt.toISOString()}`,
    `• Suggested exclusion: ${suggestion}`,
    `• ${link}`,
  ].join('\n');
}

/**
 * Deliveries: one row and one BullMQ job per (alert event, channel). The row
 * is written before the job, and every evaluation re-enqueues pending rows
 * (the job id is the row id, so that is a no-op when the job exists): a crash
 * or a down receiver delays an alert, never loses it.
 */
@Injectable()
export class AlertDeliveryService {
  private readonly logger = new Logger(AlertDeliveryService.name);

  constructor(
    private readonly prisma: PrismaService,
    @InjectQueue(ALERT_DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
  ) {}

  async createDeliveries(alertId: string, event: AlertEvent): Promise<void> {
    const channels = await this.prisma.alertChannel.findMany({ where: { enabled: true, deletedAt: null }, select: { id: true } });
    for (const c of channels) {
      const d = await this.prisma.alertDelivery.create({ data: { alertId, channelId: c.id, event } });
      await this.enqueue(d.id);
    }
  }

  async enqueuePending(): Promise<void> {
    const pending = await this.prisma.alertDelivery.findMany({
      where: { status: 'pending' },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: 1000,
    });
    for (const d of pending) await this.enqueue(d.id);
  }

  /** Sends the alert's failed deliveries again (after a receiver was fixed). */
  async redeliverFailed(alertId: string): Promise<number> {
    const failed = await this.prisma.alertDelivery.findMany({ where: { alertId, status: 'failed' }, select: { id: true } });
    for (const d of failed) {
      // The finished job keeps its id in Redis; a new job under the same id needs it gone.
      await this.queue.remove(d.id).catch(() => undefined);
      await this.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'pending' } });
      await this.enqueue(d.id);
    }
    return failed.length;
  }

  private async enqueue(deliveryId: string): Promise<void> {
    await this.queue.add(
      DELIVER_JOB,
      { deliveryId, maxDelayMs: this.config.FLEETTUNE_ALERTS_DELIVERY_MAX_BACKOFF_MS },
      {
        jobId: deliveryId,
        attempts: this.config.FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS,
        backoff: { type: CAPPED_BACKOFF, delay: this.config.FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      },
    );
  }

  /** One attempt; throws (so BullMQ retries with backoff) unless the receiver answered 2xx. */
  async deliver(deliveryId: string, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const d = await this.prisma.alertDelivery.findUnique({ where: { id: deliveryId }, include: { alert: true, channel: true } });
    if (!d || d.status === 'delivered' || d.status === 'cancelled') return { deliveryId, status: 'skipped' };
    if (!d.channel.enabled || d.channel.deletedAt) {
      await this.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'cancelled', lastError: 'channel disabled' } });
      return { deliveryId, status: 'skipped' };
    }
    const { body, headers } = this.render(d.id, d.event as AlertEvent, d.alert, d.channel);
    const started = Date.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(d.channel.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.FLEETTUNE_ALERTS_DELIVERY_TIMEOUT_MS),
      });
      statusCode = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `receiver answered HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const durationMs = Date.now() - started;
    const ok = error === undefined;
    await this.prisma.$transaction([
      this.prisma.alertDeliveryAttempt.create({
        data: { deliveryId: d.id, attempt, statusCode: statusCode ?? null, error: error ?? null, durationMs },
      }),
      this.prisma.alertDelivery.update({
        where: { id: d.id },
        data: {
          attempts: { increment: 1 },
          lastStatusCode: statusCode ?? null,
          lastError: error ?? null,
          ...(ok ? { status: 'delivered', deliveredAt: new Date() } : attempt >= maxAttempts ? { status: 'failed' } : {}),
        },
      }),
    ]);
    if (!ok) {
      if (attempt >= maxAttempts) this.logger.warn(`alert delivery ${d.id} to channel ${d.channel.name} failed for good: ${error}`);
      throw new DeliveryFailedError(error);
    }
    return { deliveryId, status: 'delivered', statusCode };
  }

  render(deliveryId: string, event: AlertEvent, alert: Alert, channel: AlertChannel): { body: string; headers: Record<string, string> } {
    const view = toAlertView(alert, this.config.FLEETTUNE_PUBLIC_URL);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'fleettune-hub',
      'x-fleettune-event': event,
      'x-fleettune-delivery': deliveryId,
    };
    if (channel.type === 'slack') return { body: JSON.stringify({ text: slackText(event, view) }), headers };
    const body = JSON.stringify({ event, deliveryId, alert: view });
    if (channel.secret) headers['x-fleettune-signature'] = signBody(channel.secret, body);
    return { body, headers };
  }
}
