import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * One Content-Security-Policy for everything the hub serves: the dashboard
 * (its own scripts only, no eval), the Swagger UI at /api/docs (its scripts
 * are files; it sets inline styles and data: images) and the JSON API
 * (nothing to run, never framed). Connections go to this hub only.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'none'"],
};

/**
 * Security headers on every response (API, docs, dashboard, health, metrics)
 * with helmet: CSP above, nosniff, no referrer, frame denial, no
 * X-Powered-By, cross-origin isolation of resources. HSTS is helmet's default:
 * browsers ignore it over plain http (loopback), and behind TLS it is wanted.
 */
export function useSecurityHeaders(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
    }),
  );
}
