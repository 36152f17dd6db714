import { Module } from '@nestjs/common';
import { HostIdentityModule } from '../host-identity/host-identity.module';
import { AgentRepository } from './agent.repository';
import { AgentsController } from './agents.controller';

@Module({ imports: [HostIdentityModule], controllers: [AgentsController], providers: [AgentRepository] })
export class AgentsModule {}
