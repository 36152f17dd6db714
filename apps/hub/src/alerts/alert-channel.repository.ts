import { Injectable } from '@nestjs/common';
import { AlertChannel, AlertDelivery, AlertDeliveryAttempt, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Channels alerts are delivered to; deleted ones stay (soft delete) so their delivery logs do. */
@Injectable()
export class AlertChannelRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.AlertChannelCreateInput): Promise<AlertChannel> {
    return this.prisma.alertChannel.create({ data });
  }

  /** Live (not deleted) channels, oldest first. */
  listLive(): Promise<AlertChannel[]> {
    return this.prisma.alertChannel.findMany({ where: { deletedAt: null }, orderBy: { createdAt: 'asc' } });
  }

  /** Ids of the channels an alert event goes to: enabled and not deleted. */
  async enabledIds(): Promise<string[]> {
    const rows = await this.prisma.alertChannel.findMany({ where: { enabled: true, deletedAt: null }, select: { id: true } });
    return rows.map((c) => c.id);
  }

  /** Any channel, deleted ones included. */
  find(id: string): Promise<AlertChannel | null> {
    return this.prisma.alertChannel.findUnique({ where: { id } });
  }

  findLive(id: string): Promise<AlertChannel | null> {
    return this.prisma.alertChannel.findFirst({ where: { id, deletedAt: null } });
  }

  setEnabled(id: string, enabled: boolean): Promise<AlertChannel> {
    return this.prisma.alertChannel.update({ where: { id }, data: { enabled } });
  }

  async softDelete(id: string): Promise<void> {
    await this.prisma.alertChannel.update({ where: { id }, data: { deletedAt: new Date(), enabled: false } });
  }

  /** A channel's newest deliveries with their attempt logs (oldest attempt first). */
  deliveries(channelId: string, limit: number): Promise<Array<AlertDelivery & { attemptLog: AlertDeliveryAttempt[] }>> {
    return this.prisma.alertDelivery.findMany({
      where: { channelId },
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
  }
}
