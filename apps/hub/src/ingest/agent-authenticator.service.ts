import { Injectable } from '@nestjs/common';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { PrismaService } from '../database/prisma.service';
import { TokenDigester } from '../auth/token-digest';
import { GrpcError } from './grpc-error';

export interface AuthenticatedAgent {
  agentId: string;
  hostId: string;
}

// A revoked agent is refused within this long, even mid-stream.
const RECHECK_MS = 1_000;

@Injectable()
export class AgentAuthenticator {
  private readonly checkedAt = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly digester: TokenDigester,
  ) {}

  /** Re-reads the agent's revocation state at most once a second per agent. */
  async assertStillValid(agent: AuthenticatedAgent): Promise<void> {
    const now = Date.now();
    if (now - (this.checkedAt.get(agent.agentId) ?? 0) < RECHECK_MS) return;
    const row = await this.prisma.agent.findUnique({ where: { id: agent.agentId }, select: { revokedAt: true } });
    if (!row || row.revokedAt) {
      this.checkedAt.delete(agent.agentId);
      throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'agent was revoked');
    }
    if (this.checkedAt.size > 100_000) this.checkedAt.clear();
    this.checkedAt.set(agent.agentId, now);
  }

  async authenticate(metadata: Metadata): Promise<AuthenticatedAgent> {
    const [header] = metadata.get('authorization');
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
    if (!match) throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'agent token required');
    const [peppered, legacy] = this.digester.candidates(match[1]);
    const agent = await this.prisma.agent.findFirst({ where: { tokenHash: { in: [peppered, legacy] } } });
    if (!agent || agent.revokedAt) throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'unknown or revoked agent');
    // A token stored by an older hub is upgraded to the peppered digest on its first use.
    if (agent.tokenHash === legacy) await this.prisma.agent.updateMany({ where: { id: agent.id, tokenHash: legacy }, data: { tokenHash: peppered } });
    return { agentId: agent.id, hostId: agent.hostId };
  }
}
