import { Module } from '@nestjs/common';
import { ApiTokenGuard } from './api-token.guard';
import { AuthBootstrapService } from './auth-bootstrap.service';

@Module({
  providers: [AuthBootstrapService, ApiTokenGuard],
  exports: [ApiTokenGuard],
})
export class AuthModule {}
