import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { TokenDigester } from '../auth/token-digest';
import { SecretBox } from './secret-box';
import { SecretsAtRestMigration } from './secrets-at-rest.migration';
import { StoredSecretsRepository } from './stored-secrets.repository';

/** Keys from the environment: the box for stored credentials and the token digest pepper. The hub does not start without them. */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new SecretBox(c.FLEETTUNE_SECRETS_KEY) },
    { provide: TokenDigester, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => TokenDigester.fromConfig(c) },
    StoredSecretsRepository,
    SecretsAtRestMigration,
  ],
  exports: [SecretBox, TokenDigester],
})
export class SecretsModule {}
