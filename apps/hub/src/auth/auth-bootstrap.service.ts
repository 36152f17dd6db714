import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PrismaService } from '../database/prisma.service';
import { TokenDigester } from './token-digest';

/**
 * Turns FLEETTUNE_ADMIN_TOKEN / FLEETTUNE_ENROLL_SECRET into stored (hashed)
 * credentials, so a demo or a first install works without a separate step.
 */
@Injectable()
export class AuthBootstrapService implements OnModuleInit {
  private readonly logger = new Logger(AuthBootstrapService.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly digester: TokenDigester,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.FLEETTUNE_ADMIN_TOKEN) {
      const [tokenHash, legacy] = this.digester.candidates(this.config.FLEETTUNE_ADMIN_TOKEN);
      // A row an older hub stored under the unpeppered digest is upgraded, not duplicated.
      await this.prisma.apiToken.updateMany({ where: { tokenHash: legacy }, data: { tokenHash } });
      await this.prisma.apiToken.upsert({
        where: { tokenHash },
        create: { tokenHash, name: 'bootstrap-admin', role: 'admin' },
        update: {},
      });
      this.logger.log('bootstrap admin token is active');
    }
    if (this.config.FLEETTUNE_ENROLL_SECRET) {
      const [secretHash, legacy] = this.digester.candidates(this.config.FLEETTUNE_ENROLL_SECRET);
      await this.prisma.enrollmentSecret.updateMany({ where: { secretHash: legacy }, data: { secretHash } });
      await this.prisma.enrollmentSecret.upsert({
        where: { secretHash },
        create: { secretHash, name: 'bootstrap' },
        update: {},
      });
      this.logger.log('bootstrap enrollment secret is active');
    }
  }
}
