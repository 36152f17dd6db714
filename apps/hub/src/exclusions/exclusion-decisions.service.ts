import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ExclusionIdentity, exclusionIdentityKey } from '@fleettune/rules';
import { AuthenticatedPrincipal } from '../auth/api-token.guard';
import { PrismaService } from '../database/prisma.service';

export const DECISIONS = ['approved', 'rejected', 'snoozed'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The review state of an item: the newest decision for its identity; an expired snooze is pending again. */
export interface DecisionView {
  status: 'pending' | Decision;
  comment?: string;
  snoozeUntil?: Date;
  decidedBy?: string;
  decidedAt?: Date;
  /** The set version the decision was made on. */
  setVersion?: number;
  /** Number of decisions recorded for this identity (the audit trail). */
  history: number;
}

const PENDING: DecisionView = Object.freeze({ status: 'pending', history: 0 }) as DecisionView;

@Injectable()
export class ExclusionDecisionsService {
  constructor(private readonly prisma: PrismaService) {}

  async decide(
    itemId: string,
    body: { decision: Decision; comment: string; snoozeUntil?: string },
    principal: AuthenticatedPrincipal,
  ): Promise<{ item: { id: string; type: string; value: string; user: string }; decision: DecisionView }> {
    if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const item = await this.prisma.exclusionItem.findUnique({ where: { id: itemId }, include: { set: { select: { version: true } } } });
    if (!item) throw new NotFoundException(`exclusion item ${itemId} not found`);
    let snoozeUntil: Date | null = null;
    if (body.decision === 'snoozed') {
      if (!body.snoozeUntil) throw new BadRequestException('snoozeUntil is required to snooze');
      snoozeUntil = new Date(body.snoozeUntil);
      if (!(snoozeUntil.getTime() > Date.now())) throw new BadRequestException('snoozeUntil must be in the future');
    } else if (body.snoozeUntil) {
      throw new BadRequestException('snoozeUntil is only for decision "snoozed"');
    }
    await this.prisma.exclusionDecision.create({
      data: {
        type: item.type,
        value: item.value,
        user: item.user,
        decision: body.decision,
        comment: body.comment,
        snoozeUntil,
        decidedBy: principal.name,
        decidedByTokenId: principal.tokenId,
        itemId: item.id,
        setVersion: item.set.version,
      },
    });
    const decisions = await this.current([item]);
    return { item: { id: item.id, type: item.type, value: item.value, user: item.user }, decision: decisions.get(exclusionIdentityKey(item)) ?? PENDING };
  }

  /** Every decision ever made about the item's identity, newest first: the audit trail. */
  async history(itemId: string) {
    if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const item = await this.prisma.exclusionItem.findUnique({ where: { id: itemId } });
    if (!item) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const rows = await this.prisma.exclusionDecision.findMany({
      where: { type: item.type, value: item.value, user: item.user },
      orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map((r) => ({
      decision: r.decision,
      comment: r.comment,
      snoozeUntil: r.snoozeUntil ?? undefined,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt,
      setVersion: r.setVersion ?? undefined,
      itemId: r.itemId ?? undefined,
    }));
  }

  /** Current decision per identity key, for the given items (pending ones are absent). */
  async current(items: readonly ExclusionIdentity[], now = new Date()): Promise<Map<string, DecisionView>> {
    const out = new Map<string, DecisionView>();
    if (items.length === 0) return out;
    const wanted = new Set(items.map(exclusionIdentityKey));
    const rows = await this.prisma.exclusionDecision.findMany({
      where: { value: { in: [...new Set(items.map((i) => i.value))] } },
      orderBy: [{ decidedAt: 'asc' }, { id: 'asc' }],
    });
    const counts = new Map<string, number>();
    for (const r of rows) {
      const key = exclusionIdentityKey(r);
      if (!wanted.has(key)) continue;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const expired = r.decision === 'snoozed' && r.snoozeUntil !== null && r.snoozeUntil <= now;
      out.set(key, {
        status: expired ? 'pending' : (r.decision as Decision),
        comment: r.comment,
        snoozeUntil: r.snoozeUntil ?? undefined,
        decidedBy: r.decidedBy,
        decidedAt: r.decidedAt,
        setVersion: r.setVersion ?? undefined,
        history: 0,
      });
    }
    for (const [k, v] of out) v.history = counts.get(k) ?? 0;
    return out;
  }

  static pending(): DecisionView {
    return { ...PENDING };
  }
}
