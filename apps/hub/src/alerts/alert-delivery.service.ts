import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import type { Alert, AlertChannel } from '../generated/prisma/client';
import { QUEUES, addJob } from '../jobs/job-registry';
import { SignedWebhookSender } from '../webhooks/signed-webhook-sender';
import { SecretBox } from '../secrets/secret-box';
import { toAlertView } from './alert-view';
import { AlertChannelRepository } from './alert-channel.repository';
import { AlertDeliveryRepository } from './alert-delivery.repository';
import { AlertEvent, slackText } from './slack-text';

export type { AlertEvent } from './slack-text';

export interface DeliveryOutcome {
  deliveryId: string;
  status: 'delivered' | 'skipped' | 'failed';
  statusCode?: number;
}

export class DeliveryFailedError extends Error {}

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
    private readonly deliveries: AlertDeliveryRepository,
    private readonly channels: AlertChannelRepository,
    @InjectQueue(QUEUES.alertDeliveries) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly sender: SignedWebhookSender,
    private readonly box: SecretBox,
  ) {}

  async createDeliveries(alertId: string, event: AlertEvent): Promise<void> {
    for (const channelId of await this.channels.enabledIds()) {
      await this.enqueue(await this.deliveries.create(alertId, channelId, event));
    }
  }

  async enqueuePending(): Promise<void> {
    for (const id of await this.deliveries.pendingIds()) await this.enqueue(id);
  }

  /** Sends the alert's failed deliveries again (after a receiver was fixed). */
  async redeliverFailed(alertId: string): Promise<number> {
    const failed = await this.deliveries.failedIds(alertId);
    for (const id of failed) {
      // The finished job keeps its id in Redis; a new job under the same id needs it gone.
      await this.queue.remove(id).catch(() => undefined);
      await this.deliveries.markPending(id);
      await this.enqueue(id);
    }
    return failed.length;
  }

  private async enqueue(deliveryId: string): Promise<void> {
    await addJob(this.queue, 'deliverAlert', { deliveryId, maxDelayMs: this.config.FLEETTUNE_ALERTS_DELIVERY_MAX_BACKOFF_MS }, this.config, {
      jobId: deliveryId,
    });
  }

  /** One attempt; throws (so BullMQ retries with backoff) unless the receiver answered 2xx or the target is refused for good. */
  async deliver(deliveryId: string, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const d = await this.deliveries.findToSend(deliveryId);
    if (!d || d.status === 'delivered' || d.status === 'cancelled') return { deliveryId, status: 'skipped' };
    if (!d.channel.enabled || d.channel.deletedAt) {
      await this.deliveries.cancel(d.id, 'channel disabled');
      return { deliveryId, status: 'skipped' };
    }
    const r = await this.sender.send({
      url: this.box.open(d.channel.url, 'alert_channels.url'),
      body: this.render(d.id, d.event as AlertEvent, d.alert, d.channel),
      deliveryId: d.id,
      // Slack authenticates the sender by its secret URL; webhooks by the HMAC.
      secret: d.channel.type === 'slack' || !d.channel.secret ? null : this.box.open(d.channel.secret, 'alert_channels.secret'),
      timeoutMs: this.config.FLEETTUNE_ALERTS_DELIVERY_TIMEOUT_MS,
      headers: { 'x-fleettune-event': d.event },
    });
    const final = r.ok || r.permanent || attempt >= maxAttempts;
    await this.deliveries.recordAttempt(d.id, {
      attempt,
      ok: r.ok,
      final,
      statusCode: r.statusCode ?? null,
      error: r.error ?? null,
      durationMs: r.durationMs,
    });
    if (r.ok) return { deliveryId, status: 'delivered', statusCode: r.statusCode };
    if (final) this.logger.warn(`alert delivery ${d.id} to channel ${d.channel.name} failed for good: ${r.error}`);
    if (r.permanent) return { deliveryId, status: 'failed' };
    throw new DeliveryFailedError(r.error);
  }

  /** The body for the channel: Slack's `{text}` or the signed webhook document. */
  render(deliveryId: string, event: AlertEvent, alert: Alert, channel: AlertChannel): string {
    const view = toAlertView(alert, this.config.FLEETTUNE_PUBLIC_URL);
    if (channel.type === 'slack') return JSON.stringify({ text: slackText(event, view) });
    return JSON.stringify({ event, deliveryId, alert: view });
  }
}
