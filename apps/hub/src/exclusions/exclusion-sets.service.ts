import { Injectable, NotFoundException } from '@nestjs/common';
import { ExclusionItem } from '@fleettune/rules';
import { PrismaService } from '../database/prisma.service';

export interface ExclusionSetView {
  id: string;
  version: number;
  createdAt: Date;
  params: unknown;
  items: Array<ExclusionItem & { id: string }>;
}

@Injectable()
export class ExclusionSetsService {
  constructor(private readonly prisma: PrismaService) {}

  async latest(): Promise<ExclusionSetView> {
    const set = await this.prisma.exclusionSet.findFirst({ orderBy: { version: 'desc' }, include: { items: true } });
    if (!set) throw new NotFoundException('no exclusion set has been computed yet; POST /api/v1/exclusion-sets/recompute');
    return this.view(set);
  }

  async byId(id: string): Promise<ExclusionSetView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`exclusion set ${id} not found`);
    const set = await this.prisma.exclusionSet.findUnique({ where: { id }, include: { items: true } });
    if (!set) throw new NotFoundException(`exclusion set ${id} not found`);
    return this.view(set);
  }

  private view(set: {
    id: string;
    version: number;
    createdAt: Date;
    params: unknown;
    items: Array<{ id: string; type: string; value: string; isDirectory: boolean; globalScopeEligible: boolean; user: string; applyToChildren: boolean; reason: string; risk: unknown; evidence: unknown }>;
  }): ExclusionSetView {
    return {
      id: set.id,
      version: set.version,
      createdAt: set.createdAt,
      params: set.params,
      items: set.items
        .map((i) => ({
          id: i.id,
          type: i.type,
          value: i.value,
          isDirectory: i.isDirectory,
          globalScopeEligible: i.globalScopeEligible,
          user: i.user,
          applyToChildren: i.applyToChildren,
          reason: i.reason,
          risk: i.risk,
          evidence: i.evidence,
        }) as ExclusionItem & { id: string })
        .sort((a, b) => (b.evidence?.totalCount ?? 0) - (a.evidence?.totalCount ?? 0) || a.value.localeCompare(b.value)),
    };
  }
}
