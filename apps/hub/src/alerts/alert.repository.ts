import { Injectable } from '@nestjs/common';
import { Alert, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

/** An alert with its deliveries, each with its channel and attempt log (oldest first). */
export type AlertWithDeliveries = Prisma.AlertGetPayload<{
  include: { deliveries: { include: { channel: true; attemptLog: true } } };
}>;

/** The alerts table: one row per noisy-subject episode, deduplicated by its unique open_key. */
@Injectable()
export class AlertRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(status: string | undefined, limit: number): Promise<Alert[]> {
    return this.prisma.alert.findMany({
      where: status ? { status } : {},
      orderBy: [{ lastSeenAt: 'desc' }, { id: 'asc' }],
      take: limit,
    });
  }

  find(id: string): Promise<Alert | null> {
    return this.prisma.alert.findUnique({ where: { id } });
  }

  findWithDeliveries(id: string): Promise<AlertWithDeliveries | null> {
    return this.prisma.alert.findUnique({
      where: { id },
      include: { deliveries: { include: { channel: true, attemptLog: { orderBy: { attempt: 'asc' } } }, orderBy: { createdAt: 'asc' } } },
    });
  }

  /** The open (or acknowledged/muted) alert of `<group>:<subject>`. */
  findOpen(openKey: string): Promise<Alert | null> {
    return this.prisma.alert.findUnique({ where: { openKey } });
  }

  /** Updates the alert only while its status is one of `from` (two people acting at once cannot both win); false when it was not. */
  async updateIfStatus(id: string, from: string[], data: Prisma.AlertUpdateManyMutationInput): Promise<boolean> {
    const { count } = await this.prisma.alert.updateMany({ where: { id, status: { in: from } }, data });
    return count > 0;
  }

  async update(id: string, data: Prisma.AlertUpdateInput): Promise<void> {
    await this.prisma.alert.update({ where: { id }, data });
  }

  /** The newest alert of one of `kinds` on `subject` resolved at or after `since`. */
  findResolvedSince(kinds: string[], subject: string, since: Date): Promise<{ id: string } | null> {
    return this.prisma.alert.findFirst({
      where: { kind: { in: kinds }, subject, status: 'resolved', resolvedAt: { gte: since } },
      select: { id: true },
    });
  }

  /** Opens an alert; null when another evaluation (another hub replica) opened the same open_key first. */
  async createOpen(data: Prisma.AlertCreateInput): Promise<Alert | null> {
    try {
      return await this.prisma.alert.create({ data });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return null;
      throw err;
    }
  }
}
