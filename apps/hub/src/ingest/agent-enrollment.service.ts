import { Injectable } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { EnrollRequest, EnrollResponse } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { TokenDigester, generateToken } from '../auth/token-digest';
import { GrpcError } from './grpc-error';

const MAX_NAME = 255;
/** Stored as text: PostgreSQL refuses NUL, and control characters have no place in a name, an id or a version. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

@Injectable()
export class AgentEnrollmentService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly digester: TokenDigester,
  ) {}

  /** `peerAddress` is the caller's transport address (grpc-js `getPeer()`), recorded for host independence. */
  async enroll(request: EnrollRequest, peerAddress: string | null = null): Promise<EnrollResponse> {
    const hostname = request.hostname.trim();
    if (!hostname || hostname.length > MAX_NAME || CONTROL_CHARACTER.test(hostname)) {
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'hostname must be 1-255 printable characters');
    }
    if (!['linux', 'darwin'].includes(request.os)) {
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'os must be "linux" or "darwin"');
    }
    if (request.machineId.length > MAX_NAME || request.agentVersion.length > 64) {
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'machine_id or agent_version too long');
    }
    if (CONTROL_CHARACTER.test(request.machineId) || CONTROL_CHARACTER.test(request.agentVersion)) {
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'machine_id and agent_version must be printable characters');
    }
    // Peppered digest, or the unpeppered one older hubs stored (docs/security.md section 7).
    const secretHashes = this.digester.candidates(request.enrollSecret);
    const token = generateToken('ftagent');

    return this.prisma.$transaction(async (tx) => {
      const secret = await tx.enrollmentSecret.findFirst({ where: { secretHash: { in: secretHashes } } });
      const now = new Date();
      if (
        !secret ||
        secret.revokedAt ||
        (secret.expiresAt && secret.expiresAt <= now) ||
        (secret.maxUses !== null && secret.uses >= secret.maxUses)
      ) {
        throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'enrollment secret is invalid, expired or used up');
      }
      await tx.enrollmentSecret.update({ where: { id: secret.id }, data: { uses: { increment: 1 } } });
      const machineId = request.machineId || null;
      const provenance = { enrollmentSecretId: secret.id, enrolledAt: now, enrollPeerAddress: peerHost(peerAddress) };
      const host = machineId
        ? await tx.host.upsert({
            where: { machineId },
            create: { machineId, hostname, os: request.os, agentVersion: request.agentVersion || null, ...provenance },
            update: { hostname, os: request.os, agentVersion: request.agentVersion || null, ...provenance },
          })
        : await tx.host.create({ data: { hostname, os: request.os, agentVersion: request.agentVersion || null, ...provenance } });
      const agent = await tx.agent.create({ data: { hostId: host.id, tokenHash: this.digester.digest(token) } });
      return { agentId: agent.id, agentToken: token, hostId: host.id };
    });
  }
}

/**
 * The address part of a grpc-js peer string (`ipv4:10.0.0.5:51234`, `ipv6:[::1]:51234`, `unix:/path`):
 * the port changes per connection, the address is what hosts behind one attacker share.
 */
export function peerHost(peer: string | null): string | null {
  if (!peer) return null;
  const withoutScheme = peer.replace(/^(ipv4|ipv6|dns|unix):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(withoutScheme);
  if (bracketed) return bracketed[1].slice(0, 255);
  const hostPort = /^([^:]+):\d+$/.exec(withoutScheme);
  return (hostPort ? hostPort[1] : withoutScheme).slice(0, 255);
}
