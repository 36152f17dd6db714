import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AlertsModule } from './alerts/alerts.module';
import { AgentsModule } from './agents/agents.module';
import { AuthModule } from './auth/auth.module';
import { AuditLogModule } from './audit-log/audit-log.module';
import { CostModule } from './cost/cost.module';
import { TokensModule } from './tokens/tokens.module';
import { HubConfigModule } from './config/config.module';
import { HubConfig } from './config/hub-config';
import { DatabaseModule } from './database/database.module';
import { ExclusionsModule } from './exclusions/exclusions.module';
import { FleetModule } from './fleet/fleet.module';
import { HealthModule } from './health/health.module';
import { HostIdentityModule } from './host-identity/host-identity.module';
import { IngestModule } from './ingest/ingest.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { PolicyPushModule } from './policy-push/policy-push.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { SecretsModule } from './secrets/secrets.module';

@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        HubConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            genReqId: (req) => (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID(),
            redact: ['req.headers.authorization'],
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
          },
        }),
        DatabaseModule,
        SecretsModule,
        JobsModule,
        WebhooksModule,
        AuthModule,
        AuditLogModule,
        TokensModule,
        HealthModule,
        IngestModule,
        AgentsModule,
        HostIdentityModule,
        FleetModule,
        ExclusionsModule,
        PolicyPushModule,
        AlertsModule,
        MetricsModule,
        CostModule,
      ],
    };
  }
}
