import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AuthModule } from './auth/auth.module';
import { HubConfigModule } from './config/config.module';
import { HubConfig } from './config/hub-config';
import { DatabaseModule } from './database/database.module';
import { ExclusionsModule } from './exclusions/exclusions.module';
import { FleetModule } from './fleet/fleet.module';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { JobsModule } from './jobs/jobs.module';

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
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
          },
        }),
        DatabaseModule,
        JobsModule,
        AuthModule,
        HealthModule,
        IngestModule,
        FleetModule,
        ExclusionsModule,
      ],
    };
  }
}
