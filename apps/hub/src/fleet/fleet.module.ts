import { Module } from '@nestjs/common';
import { FleetController } from './fleet.controller';
import { AgentStatusRepository } from './agent-status.repository';
import { FleetService } from './fleet.service';

@Module({ controllers: [FleetController], providers: [FleetService, AgentStatusRepository] })
export class FleetModule {}
