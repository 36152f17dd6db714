import { Module } from '@nestjs/common';
import { FleetController } from './fleet.controller';
import { AgentStatusRepository } from './agent-status.repository';
import { FleetService } from './fleet.service';
import { HostRepository } from './host.repository';
import { NoiseRollupRepository } from './noise-rollup.repository';

@Module({ controllers: [FleetController], providers: [FleetService, HostRepository, NoiseRollupRepository, AgentStatusRepository] })
export class FleetModule {}
