import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface NewPolicyTarget {
  name: string;
  kind: string;
  url: string | null;
  /** Sealed (SecretBox) by the caller. */
  secret: string | null;
  branch?: string;
  directory?: string;
  /** Console connectors: the non-secret settings. */
  config?: unknown;
  createdBy: string;
}

/** Policy targets' data access (webhook, pull and git targets; deleted ones are kept, marked). */
@Injectable()
export class PolicyTargetRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: NewPolicyTarget) {
    const { config, ...rest } = data;
    return this.prisma.policyTarget.create({ data: { ...rest, ...(config !== undefined ? { config: config as Prisma.InputJsonValue } : {}) } });
  }

  listLive() {
    return this.prisma.policyTarget.findMany({ where: { deletedAt: null }, orderBy: { createdAt: 'asc' } });
  }

  byId(id: string) {
    return this.prisma.policyTarget.findUnique({ where: { id } });
  }

  /** Live, enabled targets of these kinds (the console connectors a drift check reads). */
  enabledOfKinds(kinds: readonly string[]) {
    return this.prisma.policyTarget.findMany({ where: { deletedAt: null, enabled: true, kind: { in: [...kinds] } }, orderBy: { createdAt: 'asc' } });
  }

  async recordDriftCheck(id: string, check: { checkedAt: Date; items: number | null; error: string | null }): Promise<void> {
    await this.prisma.policyTarget.update({ where: { id }, data: { driftCheckedAt: check.checkedAt, driftItems: check.items, driftError: check.error } });
  }

  /** Among live, enabled targets: how many the last drift check found drifted, and how many it could not read. */
  async driftCounts(): Promise<{ drifted: number; unreadable: number }> {
    const live = { deletedAt: null, enabled: true };
    const [drifted, unreadable] = await Promise.all([
      this.prisma.policyTarget.count({ where: { ...live, driftItems: { gt: 0 } } }),
      this.prisma.policyTarget.count({ where: { ...live, driftError: { not: null } } }),
    ]);
    return { drifted, unreadable };
  }

  async markDeleted(id: string, at: Date): Promise<void> {
    await this.prisma.policyTarget.update({ where: { id }, data: { deletedAt: at, enabled: false } });
  }
}
