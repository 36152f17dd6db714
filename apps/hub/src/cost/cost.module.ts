import { Module } from '@nestjs/common';
import { CostController } from './cost.controller';
import { CostService } from './cost.service';
import { HostCostRepository } from './host-cost.repository';

/** Security-product cost and auditd health per host and fleet-wide, and before/after reports (issue 9). */
@Module({ controllers: [CostController], providers: [CostService, HostCostRepository], exports: [CostService] })
export class CostModule {}
