import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import type { TestDatabase } from '@fleettune/db-tools';
import { loadHubConfig } from '../config/hub-config';
import type { RunningHub } from '../hub-app';
import { startTestHub } from '../testing/test-hub';
import { PrismaService } from './prisma.service';

const POOL = 2;
let db: TestDatabase;
let hub: RunningHub;
let observer: Client;

before(async () => {
  ({ db, hub } = await startTestHub('db_pool_spec', { FLEETTUNE_DB_POOL_SIZE: String(POOL) }));
  observer = new Client({ connectionString: db.url, application_name: 'pool-spec-observer' });
  await observer.connect();
});

after(async () => {
  await observer?.end();
  await hub?.close();
  await db?.drop();
});

test('FLEETTUNE_DB_POOL_SIZE bounds the hub connections to PostgreSQL; extra queries wait their turn', async () => {
  const prisma = hub.app.get(PrismaService);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      peak = Math.max(peak, r.rows[0]!.n);
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: 6 }, () => prisma.$executeRawUnsafe('SELECT pg_sleep(0.3)')));
  } finally {
    sampling = false;
    await sampler;
  }
  const elapsed = Date.now() - started;
  assert.equal(peak, POOL);
  assert.ok(elapsed >= 3 * 300 - 50, `6 queries of 0.3 s on ${POOL} connections take >= 0.9 s, took ${elapsed} ms`);
  assert.throws(() => loadHubConfig({ FLEETTUNE_DB_POOL_SIZE: '0' }), /FLEETTUNE_DB_POOL_SIZE/);
});
