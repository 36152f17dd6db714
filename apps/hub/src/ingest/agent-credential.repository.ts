import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** What decides whether an agent may upload: its own revocation and its host's status. */
export interface AgentStanding {
  id: string;
  hostId: string;
  tokenHash: string;
  revokedAt: Date | null;
  sequenceBase: bigint;
  certFingerprint: string | null;
  hostStatus: string;
}

@Injectable()
export class AgentCredentialRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The agent whose token digest is one of `tokenHashes` (peppered and legacy digests of one token). */
  byTokenHash(tokenHashes: string[]): Promise<AgentStanding | null> {
    return this.find({ tokenHash: { in: tokenHashes } });
  }

  async upgradeTokenHash(id: string, from: string, to: string): Promise<void> {
    await this.prisma.agent.updateMany({ where: { id, tokenHash: from }, data: { tokenHash: to } });
  }

  byId(id: string): Promise<AgentStanding | null> {
    return this.find({ id });
  }

  private async find(where: { id: string } | { tokenHash: { in: string[] } }): Promise<AgentStanding | null> {
    const a = await this.prisma.agent.findFirst({
      where,
      select: { id: true, hostId: true, tokenHash: true, revokedAt: true, sequenceBase: true, certFingerprint: true, host: { select: { status: true } } },
    });
    return (
      a && {
        id: a.id,
        hostId: a.hostId,
        tokenHash: a.tokenHash,
        revokedAt: a.revokedAt,
        sequenceBase: a.sequenceBase,
        certFingerprint: a.certFingerprint,
        hostStatus: a.host.status,
      }
    );
  }
}
