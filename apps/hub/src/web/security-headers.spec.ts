import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { useTestHub } from '../testing/hub-fixture';
import { dashboardDir } from './dashboard';

/** The review: API and /api/docs answered with no nosniff, CSP or frame-ancestors, and with X-Powered-By. */

const fx = useTestHub('security_headers');

function assertHardened(res: Response, what: string): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/, `${what}: CSP`);
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: scripts only from the hub, no eval, no inline`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: never framed`);
  assert.match(csp, /object-src 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(res.headers.get('x-powered-by'), null, `${what}: no X-Powered-By`);
}

test('API answers (ok and errors), docs, health and metrics carry the security headers', async () => {
  for (const p of ['/api/v1/me', '/api/v1/hosts', '/api/docs/openapi.json', '/healthz', '/metrics', '/api/v1/nope']) {
    const res = await fetch(fx.base + p);
    await res.arrayBuffer();
    assertHardened(res, p);
  }
});

test('the Swagger UI page loads only script files (it runs under script-src self)', async () => {
  const res = await fetch(`${fx.base}/api/docs`);
  const html = await res.text();
  assert.equal(res.status, 200);
  assertHardened(res, '/api/docs');
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 2, html);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs, /src=/, 'no inline script');
    assert.equal(body.trim(), '');
  }
  for (const [, src] of html.matchAll(/src="([^"]+)"/g)) {
    const js = await fetch(new URL(src, `${fx.base}/api/docs/`));
    assert.equal(js.status, 200, src);
    await js.arrayBuffer();
  }
});

test(
  'the dashboard keeps its own strict policy (one policy for everything)',
  { skip: !fs.existsSync(path.join(dashboardDir(), 'index.html')) && 'dashboard not built' },
  async () => {
    const res = await fetch(`${fx.base}/`);
    assert.match(await res.text(), /<div id="root">|<script type="module"/);
    assertHardened(res, '/');
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  },
);
