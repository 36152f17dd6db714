import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Exclusion set versions and their items, as the API reads them (a new version is written by exclusion-set-version.repository.ts). */
@Injectable()
export class ExclusionSetRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The newest version with its items, or null before the first recompute. */
  latestWithItems() {
    return this.prisma.exclusionSet.findFirst({ orderBy: { version: 'desc' }, include: { items: true } });
  }

  async latestId(): Promise<string | null> {
    return (await this.prisma.exclusionSet.findFirst({ orderBy: { version: 'desc' }, select: { id: true } }))?.id ?? null;
  }

  withItems(id: string) {
    return this.prisma.exclusionSet.findUnique({ where: { id }, include: { items: true } });
  }

  /** The set's stored diff and its previous version's number (null when it is the first). */
  async diff(id: string) {
    const set = await this.prisma.exclusionSet.findUnique({ where: { id }, select: { id: true, version: true, previousSetId: true, diff: true } });
    if (!set) return null;
    const prev = set.previousSetId ? await this.prisma.exclusionSet.findUnique({ where: { id: set.previousSetId }, select: { version: true } }) : null;
    return { ...set, previousVersion: prev?.version ?? null };
  }
}
