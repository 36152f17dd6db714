import { INestApplication, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the built dashboard is: FLEETTUNE_WEB_DIR, else apps/web/dist beside this hub. */
export function dashboardDir(config: { FLEETTUNE_WEB_DIR?: string } = {}): string {
  return config.FLEETTUNE_WEB_DIR || path.resolve(__dirname, '..', '..', '..', 'web', 'dist');
}

const NOT_DASHBOARD = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the dashboard at `/` (a single-page app: unknown paths get index.html).
 * Files are read once at start; /api, /healthz, /readyz and /metrics are left to Nest.
 */
export function mountDashboard(app: INestApplication, dir = dashboardDir()): boolean {
  const logger = new Logger('Dashboard');
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    logger.warn(`no dashboard build at ${dir} (run \`npm run build\`); / will answer 404`);
    return false;
  }
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.set('/' + path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p));
    }
  };
  walk(dir);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_DASHBOARD.test(req.path)) return next();
    let key = req.path === '/' ? '/index.html' : req.path;
    let body = files.get(key);
    if (!body) {
      // Unknown asset -> 404; an app route (no extension) -> index.html.
      if (path.extname(key)) return next();
      key = '/index.html';
      body = files.get(key)!;
    }
    res.setHeader('Content-Type', TYPES[path.extname(key)] ?? 'application/octet-stream');
    // CSP, nosniff and the referrer policy come from the hub-wide security headers (security-headers.ts).
    res.setHeader('Cache-Control', key.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.status(200).end(req.method === 'HEAD' ? undefined : body);
  });
  logger.log(`dashboard served at / from ${dir}`);
  return true;
}
