import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditLogController } from './audit-log.controller';
import { AuditLogInterceptor } from './audit-log.interceptor';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { AuthFailureAudit } from './auth-failure-audit';

/** Global: inject AuditLogService anywhere to record a write. */
@Global()
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogService, AuditLogRepository, AuthFailureAudit, { provide: APP_INTERCEPTOR, useClass: AuditLogInterceptor }],
  exports: [AuditLogService, AuthFailureAudit],
})
export class AuditLogModule {}
