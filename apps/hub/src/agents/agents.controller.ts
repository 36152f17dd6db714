import { Controller, Get, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { PrismaService } from '../database/prisma.service';
import { HostIdentityService } from '../host-identity/host-identity.service';

interface AgentView {
  id: string;
  hostId: string;
  hostname: string;
  createdAt: Date;
  revokedAt: Date | null;
}

@ApiTags('agents')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@RequireRole('admin')
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hostIdentity: HostIdentityService,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Enrolled agents and whether they are revoked' })
  async list(): Promise<AgentView[]> {
    const rows = await this.prisma.agent.findMany({ include: { host: { select: { hostname: true } } }, orderBy: { createdAt: 'asc' }, take: 10_000 });
    return rows.map((a) => ({ id: a.id, hostId: a.hostId, hostname: a.host.hostname, createdAt: a.createdAt, revokedAt: a.revokedAt }));
  }

  /**
   * The agent's token stops working within a second, even on an open stream, and its host is
   * blocked (issue 13): no enrollment can take the host back until an admin lifts the block
   * (POST /api/v1/hosts/:id/unblock) and re-keys it.
   */
  @Post(':id/revoke')
  @ApiOkResponse({ description: 'The agent, now revoked; its host is blocked until an admin lifts it' })
  async revoke(@Param('id') id: string): Promise<AgentView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`agent ${id} not found`);
    const found = await this.prisma.agent.findUnique({ where: { id } });
    if (!found) throw new NotFoundException(`agent ${id} not found`);
    const a = await this.prisma.agent.update({
      where: { id },
      data: { revokedAt: found.revokedAt ?? new Date() },
      include: { host: { select: { hostname: true } } },
    });
    await this.hostIdentity.revokeAgent(id);
    return { id: a.id, hostId: a.hostId, hostname: a.host.hostname, createdAt: a.createdAt, revokedAt: a.revokedAt };
  }
}
