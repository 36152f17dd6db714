import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { SignedWebhookSender, publicDeliveryError, publicStatusCode } from '../webhooks/signed-webhook-sender';
import { SecretBox } from '../secrets/secret-box';
import type { AlertChannel } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import type { AlertChannelView, AlertDeliveryView, AlertDetailView } from '@fleettune/api-contract';
import { AlertStatus, AlertView, toAlertView } from './alert-view';
import { AlertRepository } from './alert.repository';
import { AlertChannelRepository } from './alert-channel.repository';

export type AlertAction = 'acknowledge' | 'resolve' | 'mute';

/** Which states each action may leave from, and where it goes. */
const TRANSITIONS: Record<AlertAction, { from: AlertStatus[]; to: AlertStatus }> = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  mute: { from: ['open', 'acknowledged'], to: 'muted' },
  resolve: { from: ['open', 'acknowledged', 'muted'], to: 'resolved' },
};

/** Views as the hub builds them (Date timestamps); the contract lib is the one definition the dashboard shares. */
export type DeliveryView = AlertDeliveryView<Date>;
export type ChannelView = AlertChannelView<Date>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class AlertsService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly channels: AlertChannelRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly sender: SignedWebhookSender,
    private readonly box: SecretBox,
  ) {}

  async list(status?: AlertStatus, limit = 500): Promise<AlertView[]> {
    const rows = await this.alerts.list(status, limit);
    return rows.map((a) => toAlertView(a, this.config.FLEETTUNE_PUBLIC_URL));
  }

  /** One alert with its deliveries; without `detailed` (non-admins) delivery failures read as a generic error. */
  async get(id: string, detailed = true): Promise<AlertDetailView<Date>> {
    const err = (e: string | null) => (detailed ? e : publicDeliveryError(e));
    const code = (c: number | null) => (detailed ? c : publicStatusCode(c));
    const a = UUID.test(id) ? await this.alerts.findWithDeliveries(id) : null;
    if (!a) throw new NotFoundException(`alert ${id} not found`);
    return {
      ...toAlertView(a, this.config.FLEETTUNE_PUBLIC_URL),
      deliveries: a.deliveries.map((d) => ({
        id: d.id,
        channelId: d.channelId,
        channelName: d.channel.name,
        event: d.event,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: code(d.lastStatusCode),
        lastError: err(d.lastError),
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
        log: d.attemptLog.map((l) => ({ attempt: l.attempt, at: l.at, statusCode: code(l.statusCode), error: err(l.error), durationMs: l.durationMs })),
      })),
    };
  }

  /** Moves an alert along; repeating the action it is already in is a no-op. */
  async transition(id: string, action: AlertAction, who: string, note?: string): Promise<AlertView> {
    const t = TRANSITIONS[action];
    const current = UUID.test(id) ? await this.alerts.find(id) : null;
    if (!current) throw new NotFoundException(`alert ${id} not found`);
    if (current.status === t.to) return toAlertView(current, this.config.FLEETTUNE_PUBLIC_URL);
    const at = new Date();
    const stamp =
      action === 'acknowledge'
        ? { acknowledgedAt: at, acknowledgedBy: who }
        : action === 'mute'
          ? { mutedAt: at, mutedBy: who }
          : { resolvedAt: at, resolvedBy: who, openKey: null };
    // Conditional on the state read, so two people acting at once cannot both win.
    const moved = await this.alerts.updateIfStatus(id, t.from, { status: t.to, ...stamp, ...(note ? { note } : {}) });
    if (!moved) {
      const now = await this.alerts.find(id);
      throw new ConflictException(`alert ${id} is ${now?.status ?? 'gone'}; cannot ${action} it`);
    }
    return toAlertView((await this.alerts.find(id))!, this.config.FLEETTUNE_PUBLIC_URL);
  }

  // ---- channels ----

  async createChannel(input: { name: string; type: 'webhook' | 'slack'; url: string; secret?: string; enabled?: boolean }, who: string): Promise<ChannelView> {
    const problem = await this.sender.urlProblem(input.url);
    if (problem) throw new BadRequestException(`url: ${problem}`);
    const secret = input.type === 'webhook' ? (input.secret ?? randomBytes(32).toString('base64url')) : null;
    const c = await this.channels.create({
      name: input.name,
      type: input.type,
      url: this.box.seal(input.url, 'alert_channels.url'),
      secret: secret && this.box.seal(secret, 'alert_channels.secret'),
      enabled: input.enabled ?? true,
      createdBy: who,
    });
    // The signing secret is shown once, at creation, like an API token.
    return { ...this.channelView(c), ...(secret ? { secret } : {}) };
  }

  async listChannels(): Promise<ChannelView[]> {
    const rows = await this.channels.listLive();
    return rows.map((c) => this.channelView(c));
  }

  async setChannelEnabled(id: string, enabled: boolean): Promise<ChannelView> {
    const c = UUID.test(id) ? await this.channels.findLive(id) : null;
    if (!c) throw new NotFoundException(`channel ${id} not found`);
    return this.channelView(await this.channels.setEnabled(id, enabled));
  }

  /** Soft delete: the delivery log stays; pending deliveries to it are cancelled. */
  async deleteChannel(id: string): Promise<void> {
    const c = UUID.test(id) ? await this.channels.findLive(id) : null;
    if (!c) throw new NotFoundException(`channel ${id} not found`);
    await this.channels.softDelete(id);
  }

  private channelView(c: AlertChannel): ChannelView {
    const url = shownUrl(c.type, this.box.open(c.url, 'alert_channels.url'));
    return { id: c.id, name: c.name, type: c.type, url, enabled: c.enabled, hasSecret: !!c.secret, createdAt: c.createdAt, createdBy: c.createdBy };
  }

  async channelDeliveries(id: string, limit = 200): Promise<DeliveryView[]> {
    const c = UUID.test(id) ? await this.channels.find(id) : null;
    if (!c) throw new NotFoundException(`channel ${id} not found`);
    const rows = await this.channels.deliveries(id, limit);
    return rows.map((d) => ({
      id: d.id,
      channelId: d.channelId,
      channelName: c.name,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      createdAt: d.createdAt,
      deliveredAt: d.deliveredAt,
      log: d.attemptLog.map((l) => ({ attempt: l.attempt, at: l.at, statusCode: l.statusCode, error: l.error, durationMs: l.durationMs })),
    }));
  }
}

/** Webhook URLs in full, Slack URLs (the token is in the path) as their origin only. */
function shownUrl(type: string, url: string): string {
  if (type !== 'slack') return url;
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}
