import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { createMigratedTestDatabase } from '@fleettune/db-tools';
import { isLoopbackBind, loadHubConfig } from './hub-config';

/** Issue 13 item 9: gRPC carries bearer tokens and the enrollment secret; plaintext must not reach the network by default. */
const MAIN = path.resolve(__dirname, '..', 'main.js');
const KEY = { FLEETTUNE_SECRETS_KEY: randomBytes(32).toString('base64') };

function runHub(env: Record<string, string>, untilOutput?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (untilOutput?.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('the hub refuses to start with gRPC on a non-loopback address without TLS', async () => {
  const { code, output } = await runHub({ BIND_HOST: '0.0.0.0', GRPC_PORT: '0', HTTP_PORT: '0', DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' });
  assert.equal(code, 2, output);
  assert.match(output, /BIND_HOST: gRPC would listen on 0\.0\.0\.0 without TLS/);
  assert.match(output, /FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1/);
});

test('the same check as a config rule: loopback binds and TLS pass, the explicit opt-in passes', () => {
  assert.throws(() => loadHubConfig({ ...KEY, BIND_HOST: '10.1.2.3' }), /without TLS/);
  assert.throws(() => loadHubConfig({ ...KEY, BIND_HOST: '::' }), /without TLS/);
  assert.doesNotThrow(() => loadHubConfig({ ...KEY, BIND_HOST: '127.0.0.1' }));
  assert.doesNotThrow(() => loadHubConfig({ ...KEY }));
  assert.doesNotThrow(() => loadHubConfig({ ...KEY, BIND_HOST: '0.0.0.0', FLEETTUNE_ALLOW_PLAINTEXT_GRPC: '1' }));
  assert.doesNotThrow(() => loadHubConfig({ ...KEY, BIND_HOST: '0.0.0.0', FLEETTUNE_ROLES: 'api,worker' }), 'no gRPC port without the ingest role');
  assert.throws(() => loadHubConfig({ ...KEY, BIND_HOST: '0.0.0.0', FLEETTUNE_ALLOW_PLAINTEXT_GRPC: 'yes' }), /FLEETTUNE_ALLOW_PLAINTEXT_GRPC/);
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost']) assert.ok(isLoopbackBind(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'hub.example.org', '128.0.0.1']) assert.ok(!isLoopbackBind(h), h);
});

test('with FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1 it starts and says loudly that gRPC is plaintext', async () => {
  const db = await createMigratedTestDatabase('plaintext_grpc_spec');
  try {
    const { output } = await runHub(
      {
        BIND_HOST: '0.0.0.0',
        GRPC_PORT: '0',
        HTTP_PORT: '0',
        DATABASE_URL: db.url,
        FLEETTUNE_ALLOW_PLAINTEXT_GRPC: '1',
        ...KEY,
        FLEETTUNE_QUEUE_PREFIX: `plaintext-spec-${process.pid}`,
        FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
        FLEETTUNE_PARTITION_MAINTENANCE_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'warn',
      },
      /fleettune hub ready/,
    );
    assert.match(output, /PLAINTEXT gRPC on non-loopback 0\.0\.0\.0/);
    assert.match(output, /fleettune hub ready/);
  } finally {
    await db.drop();
  }
});
