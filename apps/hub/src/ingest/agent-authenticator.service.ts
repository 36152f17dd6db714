import { Injectable } from '@nestjs/common';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { PrismaService } from '../database/prisma.service';
import { digestToken } from '../auth/token-digest';
import { GrpcError } from './grpc-error';

export interface AuthenticatedAgent {
  agentId: string;
  hostId: string;
}

@Injectable()
export class AgentAuthenticator {
  constructor(private readonly prisma: PrismaService) {}

  async authenticate(metadata: Metadata): Promise<AuthenticatedAgent> {
    const [header] = metadata.get('authorization');
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
    if (!match) throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'agent token required');
    const agent = await this.prisma.agent.findUnique({ where: { tokenHash: digestToken(match[1]) } });
    if (!agent || agent.revokedAt) throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'unknown or revoked agent');
    return { agentId: agent.id, hostId: agent.hostId };
  }
}
