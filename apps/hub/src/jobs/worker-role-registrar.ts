import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BullRegistrar } from '@nestjs/bullmq';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';

/**
 * BullMQ workers start only in processes with the `worker` role: the jobs
 * module registers with `manualRegistration`, so an `api` or `ingest` process
 * can enqueue jobs but never takes one (a worker that started and stopped
 * again could grab a job in between).
 */
@Injectable()
export class WorkerRoleRegistrar implements OnModuleInit {
  private readonly logger = new Logger(WorkerRoleRegistrar.name);

  constructor(
    private readonly registrar: BullRegistrar,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  onModuleInit(): void {
    if (!hasRole(this.config, 'worker')) {
      this.logger.log(`no worker role (roles: ${this.config.FLEETTUNE_ROLES.join(',')}): BullMQ jobs run in other processes`);
      return;
    }
    this.registrar.register();
  }
}
