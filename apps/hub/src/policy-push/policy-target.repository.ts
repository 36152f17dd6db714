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

  async markDeleted(id: string, at: Date): Promise<void> {
    await this.prisma.policyTarget.update({ where: { id }, data: { deletedAt: at, enabled: false } });
  }
}
