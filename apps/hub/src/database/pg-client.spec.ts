import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'pg';
import { newPgClient } from './pg-client';

const URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

test('a backend killed under a running query rejects the query and does not kill the process', async () => {
  const errors: Error[] = [];
  const client = newPgClient({ connectionString: URL, application_name: 'pg-client-spec' }, (e) => errors.push(e));
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const running = client.query('SELECT pg_sleep(30)').then(
    () => null,
    (e: Error) => e,
  );
  // What a PostgreSQL restart does to every backend: terminate it.
  const admin = new Client({ connectionString: URL });
  await admin.connect();
  try {
    await new Promise((r) => setTimeout(r, 200));
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
  } finally {
    await admin.end();
  }
  const failed = await running;
  assert.match(String(failed?.message), /terminat/i, 'the running query rejected');
  // The 'error' event came too; unlistened, it would have been an uncaught exception.
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(errors.length >= 1, 'the error reached the listener');
  await client.end().catch(() => undefined);
});
