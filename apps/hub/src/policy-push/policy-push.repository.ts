import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface PushedItemRow {
  type: string;
  value: string;
  user: string;
  applyToChildren: boolean;
}

export interface NewPolicyPush {
  id?: string;
  createdAt?: Date;
  targetId: string;
  setId: string;
  setVersion: number;
  /** webhook | git | pull | a console connector's kind. */
  mode: string;
  format?: string;
  items: PushedItemRow[];
  digest: string;
  /** Queued pushes: the exact body every attempt delivers (what recovery queues again if Redis loses the job). */
  body?: string;
  status: 'queued' | 'served';
  attempts?: number;
  lastStatusCode?: number;
  requestedBy: string;
  deliveredAt?: Date;
}

/** What one delivery attempt left on its push row. */
export interface PushOutcome {
  status: string;
  attempts?: number;
  lastStatusCode?: number | null;
  lastError?: string | null;
  deliveredAt?: Date;
  commitSha?: string | null;
}

/** What a console connector push found and did (each field written when known). */
export interface ConsolePushRecord {
  plan?: unknown;
  applied?: unknown;
  verified?: boolean | null;
  drift?: unknown;
}

export interface PushAttempt {
  attempt: number;
  statusCode?: number | null;
  error?: string | null;
  durationMs: number;
}

export interface PushHistoryFilter {
  targetId?: string;
  status?: string;
  mode?: string;
  since?: Date;
  until?: Date;
}

/** Policy pushes (webhook, git) and served pulls with their delivery attempts: the data access of push, delivery and history. */
@Injectable()
export class PolicyPushRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(p: NewPolicyPush): Promise<void> {
    const { items, ...rest } = p;
    await this.prisma.policyPush.create({
      data: {
        ...rest,
        items: items.map((i) => ({ type: i.type, value: i.value, user: i.user, applyToChildren: i.applyToChildren })),
        itemCount: items.length,
      },
    });
  }

  /** A push with its target, for one delivery attempt. */
  withTarget(pushId: string) {
    return this.prisma.policyPush.findUnique({ where: { id: pushId }, include: { target: true } });
  }

  async recordOutcome(pushId: string, outcome: PushOutcome): Promise<void> {
    await this.prisma.policyPush.update({ where: { id: pushId }, data: outcome });
  }

  async recordConsole(pushId: string, r: ConsolePushRecord): Promise<void> {
    const json = (v: unknown) => (v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue));
    await this.prisma.policyPush.update({
      where: { id: pushId },
      data: {
        ...(r.plan !== undefined ? { plan: json(r.plan) } : {}),
        ...(r.applied !== undefined ? { applied: json(r.applied) } : {}),
        ...(r.verified !== undefined ? { verified: r.verified } : {}),
        ...(r.drift !== undefined ? { drift: json(r.drift) } : {}),
      },
    });
  }

  /**
   * The owned console items the hub last recorded for a target: the `applied`
   * of its newest push that has one (a partial apply counts: what it created is ours).
   */
  async latestLedger(targetId: string): Promise<{ pushId: string | null; items: unknown[] }> {
    const row = await this.prisma.policyPush.findFirst({
      where: { targetId, applied: { not: Prisma.DbNull } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, applied: true },
    });
    return { pushId: row?.id ?? null, items: Array.isArray(row?.applied) ? (row.applied as unknown[]) : [] };
  }

  /** A target's verified connector pushes, newest first (rollback picks the previous approved version from them). */
  verifiedPushes(targetId: string, take = 50) {
    return this.prisma.policyPush.findMany({
      where: { targetId, verified: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: { id: true, setId: true, setVersion: true, digest: true, applied: true, items: true, createdAt: true },
    });
  }

  /**
   * Runs `fn` while holding a transaction-scoped advisory lock on the target:
   * two pushes to one console (two workers, two hub replicas) never read and
   * write it at once. `fn` writes through the normal client, so what it
   * records is committed at once, whatever happens to the lock's transaction.
   */
  withTargetLock<T>(targetId: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`fleettune:policy-target:${targetId}`}))`;
        return fn();
      },
      { timeout: timeoutMs, maxWait: timeoutMs },
    );
  }

  /**
   * Pushes still waiting for delivery (queued or retrying) that were created before `cutoff`, oldest
   * first: the candidates for PolicyPushRecoveryService, which checks each one's job in Redis.
   */
  undeliveredBefore(cutoff: Date, take: number) {
    return this.prisma.policyPush.findMany({
      where: { status: { in: ['queued', 'retrying'] }, createdAt: { lt: cutoff } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true, body: true, status: true, createdAt: true },
    });
  }

  async recordAttempt(pushId: string, a: PushAttempt): Promise<void> {
    await this.prisma.policyDeliveryAttempt.create({ data: { pushId, ...a } });
  }

  /** A target's pushes, newest first, with every attempt. */
  ofTarget(targetId: string, take: number) {
    return this.prisma.policyPush.findMany({
      where: { targetId },
      orderBy: { createdAt: 'desc' },
      take,
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });
  }

  /**
   * One page of every target's pushes, newest first, keyset-paged on (createdAt, id) after `after`,
   * each with its target and last attempt; `take` rows (ask one more than a page to know there is a next),
   * and the count of all rows the filter matches.
   */
  async historyPage(filter: PushHistoryFilter, after: { createdAt: Date; id: string } | undefined, take: number) {
    const matching: Prisma.PolicyPushWhereInput = {
      ...(filter.targetId ? { targetId: filter.targetId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.mode ? { mode: filter.mode } : {}),
      ...(filter.since || filter.until ? { createdAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) } } : {}),
    };
    const where: Prisma.PolicyPushWhereInput = after
      ? { AND: [matching, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] }
      : matching;
    const [rows, total] = await Promise.all([
      this.prisma.policyPush.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
        select: {
          id: true,
          setId: true,
          setVersion: true,
          mode: true,
          format: true,
          itemCount: true,
          status: true,
          attempts: true,
          verified: true,
          requestedBy: true,
          createdAt: true,
          deliveredAt: true,
          lastStatusCode: true,
          lastError: true,
          commitSha: true,
          target: { select: { id: true, name: true, kind: true, deletedAt: true } },
          attemptLog: { orderBy: { attempt: 'desc' }, take: 1 },
        },
      }),
      this.prisma.policyPush.count({ where: matching }),
    ]);
    return { rows, total };
  }
}
