import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * In a process without the `api` role the REST API, its OpenAPI document and
 * the dashboard answer 404 with a message naming this process's roles, so a
 * load balancer sending API traffic to an ingest or worker process is easy to
 * spot. /healthz, /readyz and /metrics stay served for probes and scraping.
 */
export function refuseApiRoutes(app: INestApplication, roles: readonly string[]): void {
  const served = new Set(['/healthz', '/readyz', '/metrics']);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (served.has(req.path)) return next();
    res.status(404).json({
      statusCode: 404,
      error: 'Not Found',
      message: `this hub process runs the roles ${roles.join(',')}; the REST API and dashboard are served by processes with the api role (FLEETTUNE_ROLES)`,
    });
  });
}
