import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

/** A delivery with the alert it tells of and the channel it goes to. */
export type DeliveryToSend = Prisma.AlertDeliveryGetPayload<{ include: { alert: true; channel: true } }>;

/** The result of one delivery attempt, as the delivery log keeps it. */
export interface AttemptResult {
  attempt: number;
  ok: boolean;
  /** No attempt follows: the delivery is failed unless `ok`. */
  final: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One row per (alert event, channel) and its attempt log. */
@Injectable()
export class AlertDeliveryRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(alertId: string, channelId: string, event: string): Promise<string> {
    const d = await this.prisma.alertDelivery.create({ data: { alertId, channelId, event } });
    return d.id;
  }

  /** Up to 1000 pending deliveries, oldest first. */
  async pendingIds(): Promise<string[]> {
    const rows = await this.prisma.alertDelivery.findMany({ where: { status: 'pending' }, select: { id: true }, orderBy: { createdAt: 'asc' }, take: 1000 });
    return rows.map((d) => d.id);
  }

  async failedIds(alertId: string): Promise<string[]> {
    const rows = await this.prisma.alertDelivery.findMany({ where: { alertId, status: 'failed' }, select: { id: true } });
    return rows.map((d) => d.id);
  }

  async markPending(id: string): Promise<void> {
    await this.prisma.alertDelivery.update({ where: { id }, data: { status: 'pending' } });
  }

  async cancel(id: string, why: string): Promise<void> {
    await this.prisma.alertDelivery.update({ where: { id }, data: { status: 'cancelled', lastError: why } });
  }

  findToSend(id: string): Promise<DeliveryToSend | null> {
    return this.prisma.alertDelivery.findUnique({ where: { id }, include: { alert: true, channel: true } });
  }

  /** Logs the attempt and updates the delivery in one transaction. */
  async recordAttempt(id: string, r: AttemptResult): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.alertDeliveryAttempt.create({
        data: { deliveryId: id, attempt: r.attempt, statusCode: r.statusCode, error: r.error, durationMs: r.durationMs },
      }),
      this.prisma.alertDelivery.update({
        where: { id },
        data: {
          attempts: { increment: 1 },
          lastStatusCode: r.statusCode,
          lastError: r.error,
          ...(r.ok ? { status: 'delivered', deliveredAt: new Date() } : r.final ? { status: 'failed' } : {}),
        },
      }),
    ]);
  }
}
