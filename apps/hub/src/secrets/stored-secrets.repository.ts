import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** The columns that hold credentials the hub reads back, for the sealing migration. */
@Injectable()
export class StoredSecretsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Rows with a value not yet sealed (`enc:v1:` prefix). */
  async unsealedTargets(): Promise<Array<{ id: string; secret: string }>> {
    const rows = await this.prisma.policyTarget.findMany({
      where: { secret: { not: null }, NOT: { secret: { startsWith: 'enc:v1:' } } },
      select: { id: true, secret: true },
    });
    return rows.map((r) => ({ id: r.id, secret: r.secret! }));
  }

  async unsealedChannels(): Promise<Array<{ id: string; url: string; secret: string | null }>> {
    return this.prisma.alertChannel.findMany({
      where: { OR: [{ NOT: { url: { startsWith: 'enc:v1:' } } }, { secret: { not: null }, NOT: { secret: { startsWith: 'enc:v1:' } } }] },
      select: { id: true, url: true, secret: true },
    });
  }

  /** Conditional on the value read, so two hubs sealing at once cannot seal twice. */
  async sealTarget(id: string, plain: string, sealed: string): Promise<void> {
    await this.prisma.policyTarget.updateMany({ where: { id, secret: plain }, data: { secret: sealed } });
  }

  async sealChannel(id: string, column: 'url' | 'secret', plain: string, sealed: string): Promise<void> {
    await this.prisma.alertChannel.updateMany({ where: { id, [column]: plain }, data: { [column]: sealed } });
  }
}
