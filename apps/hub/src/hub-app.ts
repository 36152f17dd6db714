import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { ApiErrorFilter } from './common/api-error.filter';
import { useStrictJsonBody } from './common/strict-json-body';
import { TextSafetyInterceptor } from './common/text-safety.interceptor';
import { HubConfig } from './config/hub-config';
import { hasRole } from './config/hub-roles';
import { IngestGrpcServer } from './ingest/ingest-grpc.server';
import { dashboardDir, mountDashboard } from './web/dashboard';
import { refuseApiRoutes } from './web/api-role';
import { useSecurityHeaders } from './web/security-headers';

export interface RunningHub {
  app: INestApplication;
  httpPort: number;
  /** 0 when this process has no `ingest` role. */
  grpcPort: number;
  close(): Promise<void>;
}

/**
 * Starts the hub: the parts FLEETTUNE_ROLES names (REST + dashboard, gRPC
 * ingest, workers); every process serves /healthz, /readyz and /metrics.
 * Ports 0 pick free ports, for tests.
 */
export async function startHub(config: HubConfig): Promise<RunningHub> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  useSecurityHeaders(app);
  app.useGlobalFilters(new ApiErrorFilter());
  useStrictJsonBody(app);
  app.useGlobalInterceptors(new TextSafetyInterceptor());
  if (!hasRole(config, 'api')) {
    refuseApiRoutes(app, config.FLEETTUNE_ROLES);
    await app.listen(config.HTTP_PORT, config.BIND_HOST);
    return running(app);
  }
  mountDashboard(app, dashboardDir(config));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('fleettune hub')
      .setDescription('Fleet-wide endpoint-security noise and exclusion recommendations')
      .setVersion('v1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  await app.listen(config.HTTP_PORT, config.BIND_HOST);
  return running(app);
}

function running(app: INestApplication): RunningHub {
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  const grpcPort = app.get(IngestGrpcServer).port;
  return { app, httpPort, grpcPort, close: () => app.close() };
}
