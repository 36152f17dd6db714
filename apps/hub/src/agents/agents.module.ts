import { Module } from '@nestjs/common';
import { HostIdentityModule } from '../host-identity/host-identity.module';
import { AgentsController } from './agents.controller';

@Module({ imports: [HostIdentityModule], controllers: [AgentsController] })
export class AgentsModule {}
