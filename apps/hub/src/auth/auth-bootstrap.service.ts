import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { PrismaService } from '../database/prisma.service';
import { digestToken } from './token-digest';

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
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.FLEETTUNE_ADMIN_TOKEN) {
      const tokenHash = digestToken(this.config.FLEETTUNE_ADMIN_TOKEN);
      await this.prisma.apiToken.upsert({
        where: { tokenHash },
        create: { tokenHash, name: 'bootstrap-admin', role: 'admin' },
        update: {},
      });
      this.logger.log('bootstrap admin token is active');
    }
    if (this.config.FLEETTUNE_ENROLL_SECRET) {
      const secretHash = digestToken(this.config.FLEETTUNE_ENROLL_SECRET);
      await this.prisma.enrollmentSecret.upsert({
        where: { secretHash },
        create: { secretHash, name: 'bootstrap' },
        update: {},
      });
      this.logger.log('bootstrap enrollment secret is active');
    }
  }
}
