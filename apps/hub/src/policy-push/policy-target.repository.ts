import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

export interface NewPolicyTarget {
  name: string;
  kind: string;
  url: string | null;
  /** Sealed (SecretBox) by the caller. */
  secret: string | null;
  branch?: string;
  directory?: string;
  createdBy: string;
}

/** Policy targets' data access (webhook, pull and git targets; deleted ones are kept, marked). */
@Injectable()
export class PolicyTargetRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: NewPolicyTarget) {
    return this.prisma.policyTarget.create({ data });
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
