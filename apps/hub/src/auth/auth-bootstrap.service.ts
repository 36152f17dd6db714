import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { CredentialRepository } from '../tokens/credential.repository';
import { TokenDigester } from './token-digest';

/**
 * Turns FLEETTUNE_ADMIN_TOKEN / FLEETTUNE_ENROLL_SECRET into stored (hashed)
 * credentials, so a demo or a first install works without a separate step.
 */
@Injectable()
export class AuthBootstrapService implements OnModuleInit {
  private readonly logger = new Logger(AuthBootstrapService.name);

  constructor(
    private readonly credentials: CredentialRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly digester: TokenDigester,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.FLEETTUNE_ADMIN_TOKEN) {
      const [tokenHash, legacy] = this.digester.candidates(this.config.FLEETTUNE_ADMIN_TOKEN);
      await this.credentials.ensureAdminToken(tokenHash, legacy, 'bootstrap-admin');
      this.logger.log('bootstrap admin token is active');
    }
    if (this.config.FLEETTUNE_ENROLL_SECRET) {
      const [secretHash, legacy] = this.digester.candidates(this.config.FLEETTUNE_ENROLL_SECRET);
      // Issue 13: the bootstrap secret is short-lived and use-limited. Its lifetime counts from when it
      // was first stored (a restart does not extend it); the limits are re-applied at every start.
      const ttlHours = this.config.FLEETTUNE_ENROLL_SECRET_TTL_HOURS;
      const maxUses = this.config.FLEETTUNE_ENROLL_SECRET_MAX_USES;
      const row = await this.credentials.ensureEnrollmentSecret(secretHash, legacy, 'bootstrap', (stored) => ({
        expiresAt: ttlHours > 0 ? new Date(stored.createdAt.getTime() + ttlHours * 3600_000) : null,
        maxUses: maxUses > 0 ? maxUses : null,
      }));
      const expiresAt = row.expiresAt;
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
