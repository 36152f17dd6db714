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
      const row = await this.prisma.enrollmentSecret.upsert({
        where: { secretHash },
        create: { secretHash, name: 'bootstrap' },
        update: {},
      });
      // Issue 13: the bootstrap secret is short-lived and use-limited. Its lifetime counts from when it
      // was first stored (a restart does not extend it); the limits are re-applied at every start.
      const ttlHours = this.config.FLEETTUNE_ENROLL_SECRET_TTL_HOURS;
      const maxUses = this.config.FLEETTUNE_ENROLL_SECRET_MAX_USES;
      const expiresAt = ttlHours > 0 ? new Date(row.createdAt.getTime() + ttlHours * 3600_000) : null;
      await this.prisma.enrollmentSecret.update({ where: { id: row.id }, data: { expiresAt, maxUses: maxUses > 0 ? maxUses : null } });
      const until = expiresAt ? `until ${expiresAt.toISOString()}` : 'with no expiry';
      const uses = maxUses > 0 ? `${row.uses} of ${maxUses} uses taken` : `${row.uses} uses, no limit`;
      if (expiresAt && expiresAt <= new Date()) {
        this.logger.warn(
          `bootstrap enrollment secret EXPIRED at ${expiresAt.toISOString()} (FLEETTUNE_ENROLL_SECRET_TTL_HOURS): create a new one with POST /api/v1/enrollment-secrets`,
        );
      } else {
        this.logger.log(`bootstrap enrollment secret is active ${until}, ${uses}`);
      }
    }
  }
}
