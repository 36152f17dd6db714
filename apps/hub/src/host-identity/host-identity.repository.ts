import type { HostStanding as ContractHostStanding } from '@fleettune/api-contract';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { HostStatus } from '../ingest/enrollment.repository';

/** A host's enrollment standing as the hub builds it; defined once in the contract lib. */
export type HostStanding = ContractHostStanding<Date>;

/** Data access of the admin's host-identity actions (approve, block, unblock, re-key). */
@Injectable()
export class HostIdentityRepository {
  constructor(private readonly prisma: PrismaService) {}

  async standing(hostId: string): Promise<HostStanding | null> {
    const h = await this.prisma.host.findUnique({
      where: { id: hostId },
      select: {
        id: true,
        hostname: true,
        status: true,
        statusChangedAt: true,
        rekeyExpiresAt: true,
        _count: { select: { agents: { where: { revokedAt: null } } } },
      },
    });
    return (
      h && {
        id: h.id,
        hostname: h.hostname,
        status: h.status as HostStatus,
        statusChangedAt: h.statusChangedAt,
        rekeyExpiresAt: h.rekeyExpiresAt,
        activeAgents: h._count.agents,
      }
    );
  }

  /** Moves the host from one status to another; false when it was not in `from` (nothing changed). */
  async transition(hostId: string, from: HostStatus[], to: HostStatus, at: Date): Promise<boolean> {
    const r = await this.prisma.host.updateMany({ where: { id: hostId, status: { in: from } }, data: { status: to, statusChangedAt: at } });
    return r.count === 1;
  }

  /**
   * Blocks the host and revokes every agent it has, in one transaction: a blocked host has no
   * working credentials, and its pending re-key token is void.
   */
  async block(hostId: string, at: Date): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.host.update({ where: { id: hostId }, data: { status: 'blocked', statusChangedAt: at, rekeyTokenHash: null, rekeyExpiresAt: null } }),
      this.prisma.agent.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: at } }),
    ]);
  }

  /** Stores the digest of a new one-time re-key token and revokes the host's current agents. */
  async issueRekey(hostId: string, tokenHash: string, expiresAt: Date, at: Date): Promise<number> {
    const [, revoked] = await this.prisma.$transaction([
      this.prisma.host.update({ where: { id: hostId }, data: { rekeyTokenHash: tokenHash, rekeyExpiresAt: expiresAt } }),
      this.prisma.agent.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: at } }),
    ]);
    return revoked.count;
  }

  agent(agentId: string): Promise<{ id: string; hostId: string; revokedAt: Date | null } | null> {
    return this.prisma.agent.findUnique({ where: { id: agentId }, select: { id: true, hostId: true, revokedAt: true } });
  }
}
