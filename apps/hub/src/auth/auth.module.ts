import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiTokenGuard } from './api-token.guard';
import { ApiTokenRepository } from './api-token.repository';
import { AuthBootstrapService } from './auth-bootstrap.service';
import { CredentialRepository } from '../tokens/credential.repository';
import { REST_RATE_WINDOW_MS, RestRateLimitGuard } from './rest-rate-limit.guard';

// Global: every controller's @UseGuards(ApiTokenGuard) resolves the guard's repository.
@Global()
@Module({
  // The limit itself is chosen per request (token or anonymous) by RestRateLimitGuard.
  imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: REST_RATE_WINDOW_MS, limit: 1 }] })],
  providers: [AuthBootstrapService, CredentialRepository, ApiTokenRepository, ApiTokenGuard, { provide: APP_GUARD, useClass: RestRateLimitGuard }],
  exports: [ApiTokenGuard, ApiTokenRepository],
})
export class AuthModule {}
