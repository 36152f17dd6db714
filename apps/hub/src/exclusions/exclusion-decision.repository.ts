import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface NewExclusionDecision {
  type: string;
  value: string;
  user: string;
  decision: string;
  comment: string;
  snoozeUntil: Date | null;
  decidedBy: string;
  decidedByTokenId: string;
  itemId: string;
  setVersion: number;
  scope: Prisma.InputJsonObject;
  scopeDigest: string;
}

/** Review decisions (append-only, per item identity) and the items they are made on. */
@Injectable()
export class ExclusionDecisionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** An item with its set's version, or null. */
  item(itemId: string) {
    return this.prisma.exclusionItem.findUnique({ where: { id: itemId }, include: { set: { select: { version: true } } } });
  }

  async record(d: NewExclusionDecision): Promise<void> {
    await this.prisma.exclusionDecision.create({ data: d });
  }

  /** Every decision on one identity, newest first. */
  ofIdentity(identity: { type: string; value: string; user: string }) {
    return this.prisma.exclusionDecision.findMany({
      where: { type: identity.type, value: identity.value, user: identity.user },
      orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }],
    });
  }

  /** Every decision on any of these values, oldest first (the caller keeps the newest per identity). */
  onValues(values: string[]) {
    return this.prisma.exclusionDecision.findMany({ where: { value: { in: values } }, orderBy: [{ decidedAt: 'asc' }, { id: 'asc' }] });
  }
}
