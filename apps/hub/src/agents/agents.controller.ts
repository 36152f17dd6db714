import { Controller, Get, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { HostIdentityService } from '../host-identity/host-identity.service';
import { AgentRepository, AgentView } from './agent.repository';
import { agentViewSchema } from '@fleettune/api-contract';
import { openApiSchemaOf } from '../common/openapi-schema';
import { ApiOkJsonArray } from '../common/api-ok-answer';

@ApiTags('agents')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@RequireRole('admin')
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentRepository,
    private readonly hostIdentity: HostIdentityService,
  ) {}

  @Get()
  @ApiOkJsonArray(agentViewSchema, 'Enrolled agents and whether they are revoked')
  async list(): Promise<AgentView[]> {
    return this.agents.list();
  }

  /**
   * The agent's token stops working within a second, even on an open stream, and its host is
   * blocked (issue 13): no enrollment can take the host back until an admin lifts the block
   * (POST /api/v1/hosts/:id/unblock) and re-keys it.
   */
  @Post(':id/revoke')
  @ApiCreatedResponse({ schema: openApiSchemaOf(agentViewSchema), description: 'The agent, now revoked; its host is blocked until an admin lifts it' })
  async revoke(@Param('id') id: string): Promise<AgentView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`agent ${id} not found`);
    const agent = await this.agents.markRevoked(id);
    if (!agent) throw new NotFoundException(`agent ${id} not found`);
    await this.hostIdentity.revokeAgent(id);
    return agent;
  }
}
