import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SecretBox } from './secret-box';
import { StoredSecretsRepository } from './stored-secrets.repository';

/**
 * Seals the credentials older hubs stored in clear (webhook secrets, alert
 * channel URLs and secrets) once, at start. It needs the key, which SQL
 * migrations do not have, so it runs in the hub; it is idempotent and safe
 * with several replicas starting at once.
 */
@Injectable()
export class SecretsAtRestMigration implements OnModuleInit {
  private readonly logger = new Logger(SecretsAtRestMigration.name);

  constructor(
    private readonly repo: StoredSecretsRepository,
    private readonly box: SecretBox,
  ) {}

  async onModuleInit(): Promise<void> {
    let sealed = 0;
    for (const t of await this.repo.unsealedTargets()) {
      await this.repo.sealTarget(t.id, t.secret, this.box.seal(t.secret, 'policy_targets.secret'));
      sealed++;
    }
    for (const c of await this.repo.unsealedChannels()) {
      if (!SecretBox.isSealed(c.url)) await this.repo.sealChannel(c.id, 'url', c.url, this.box.seal(c.url, 'alert_channels.url'));
      if (c.secret && !SecretBox.isSealed(c.secret)) await this.repo.sealChannel(c.id, 'secret', c.secret, this.box.seal(c.secret, 'alert_channels.secret'));
      sealed++;
    }
    if (sealed) this.logger.log(`sealed the stored credentials of ${sealed} webhook target(s) and alert channel(s)`);
  }
}
