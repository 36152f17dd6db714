import type { AgentView as ContractAgentView } from '@fleettune/api-contract';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** One row of GET /api/v1/agents as the hub builds it (the contract lib is the one definition). */
export type AgentView = ContractAgentView<Date>;

const WITH_HOSTNAME = { host: { select: { hostname: true } } } as const;

function view(a: { id: string; hostId: string; createdAt: Date; revokedAt: Date | null; host: { hostname: string } }): AgentView {
  return { id: a.id, hostId: a.hostId, hostname: a.host.hostname, createdAt: a.createdAt, revokedAt: a.revokedAt };
}

/** Agents' data access for the admin API. */
@Injectable()
export class AgentRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(limit = 10_000): Promise<AgentView[]> {
    return (await this.prisma.agent.findMany({ include: WITH_HOSTNAME, orderBy: { createdAt: 'asc' }, take: limit })).map(view);
  }

  /** Marks the agent revoked (keeping the first revocation time); null when there is no such agent. */
  async markRevoked(id: string): Promise<AgentView | null> {
    const found = await this.prisma.agent.findUnique({ where: { id } });
    if (!found) return null;
    return view(await this.prisma.agent.update({ where: { id }, data: { revokedAt: found.revokedAt ?? new Date() }, include: WITH_HOSTNAME }));
  }
}
